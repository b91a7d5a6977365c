import type { RetryPolicy } from "@eventloom/core";
import { assertPolicy, parseArgument, positiveMilliseconds } from "./internal/options.js";

/**
 * Stops `policy` on time: gives up as soon as the next retry would start more than
 * `maxElapsedMs` after the first attempt started, that is when `elapsedMs + delay > maxElapsedMs`.
 * The budget therefore bounds when the last retry *starts*; a retry is never shortened to fit.
 * `elapsedMs` is the core's monotonic time since the first attempt of this invocation started.
 *
 * @example
 * import { constantDelay, withMaxElapsed } from "@eventloom/retry";
 * // Retry every 2 s for as long as the next try starts within 30 s of the first one.
 * const retry = withMaxElapsed(30_000, constantDelay({ delayMs: 2000, maxAttempts: Infinity }));
 *
 * @throws WorkflowValidationError when `maxElapsedMs` is not a finite number > 0, or `policy` is
 *   not a policy.
 */
export function withMaxElapsed(maxElapsedMs: number, policy: RetryPolicy): RetryPolicy {
  const budget = parseArgument(
    "withMaxElapsed",
    "maxElapsedMs",
    positiveMilliseconds,
    maxElapsedMs,
  );
  assertPolicy("withMaxElapsed: policy", policy);
  return {
    next: (info) => {
      const delay = policy.next(info);
      if (delay === null) return null;
      return info.elapsedMs + delay > budget ? null : delay;
    },
  };
}
