import { WorkflowValidationError, type RetryPolicy } from "@eventloom/core";
import { assertPolicy } from "./internal/options.js";

/**
 * Retries only when every one of `policies` would, and waits the longest of their delays. Gives
 * up as soon as one gives up (the ones after it are not asked). Use it to add the limits of one
 * policy to another.
 *
 * @example
 * import { allOf, constantDelay, exponentialBackoff } from "@eventloom/retry";
 *
 * // Back off exponentially, but never retry sooner than 1 s after a failure.
 * const retry = allOf(
 *   exponentialBackoff({ initialMs: 200, jitter: "full", maxAttempts: 6 }),
 *   constantDelay({ delayMs: 1_000, maxAttempts: Infinity }),
 * );
 *
 * @throws WorkflowValidationError when given no policy or something that is not a policy.
 */
export function allOf(...policies: RetryPolicy[]): RetryPolicy {
  if (policies.length === 0) {
    throw new WorkflowValidationError("allOf: pass at least one policy");
  }
  policies.forEach((p, i) => assertPolicy(`allOf: policy ${i + 1}`, p));
  return {
    next: (info) => {
      let longest = 0;
      for (const policy of policies) {
        const delay = policy.next(info);
        if (delay === null) return null;
        if (delay > longest) longest = delay;
      }
      return longest;
    },
  };
}
