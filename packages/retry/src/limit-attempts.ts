import type { RetryPolicy } from "@eventloom/core";
import {
  assertPolicy,
  maxAttempts as maxAttemptsSchema,
  parseArgument,
} from "./internal/options.js";

/**
 * Caps `policy` at `maxAttempts` executions of the step (the first try counts: 3 means one try
 * and two retries). Until then, `policy` decides. `Infinity` leaves `policy` unchanged.
 *
 * @example
 * import { limitAttempts, retryIf, constantDelay, hasHttpStatus } from "@eventloom/retry";
 * // Whatever the inner policies say, never more than 4 executions in all.
 * const retry = limitAttempts(4, retryIf(hasHttpStatus(429), constantDelay({ delayMs: 1000, maxAttempts: Infinity })));
 *
 * @throws WorkflowValidationError when `maxAttempts` is not a whole number >= 1 (or Infinity),
 *   or `policy` is not a policy.
 */
export function limitAttempts(maxAttempts: number, policy: RetryPolicy): RetryPolicy {
  const limit = parseArgument("limitAttempts", "maxAttempts", maxAttemptsSchema, maxAttempts);
  assertPolicy("limitAttempts: policy", policy);
  if (limit === Infinity) return policy;
  return {
    next: (info) => (info.attempt >= limit ? null : policy.next(info)),
  };
}
