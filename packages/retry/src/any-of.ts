import { WorkflowValidationError, type RetryPolicy } from "@eventloom/core";
import { assertPolicy } from "./internal/options.js";

/**
 * Retries when any of `policies` would: asks them in order and waits the delay of the first one
 * that retries (later ones are not asked). Gives up only when all of them give up. With
 * {@link retryIf} this picks a policy per kind of failure, like a `switch`.
 *
 * Every policy sees the step's own numbering: `attempt` counts all executions of the step,
 * whichever policy retried the earlier ones.
 *
 * @example
 * import { anyOf, constantDelay, exponentialBackoff, hasHttpStatus, isInstanceOf, retryIf } from "@eventloom/retry";
 *
 * const retry = anyOf(
 *   retryIf(hasHttpStatus(429), constantDelay({ delayMs: 5_000, maxAttempts: 4 })),
 *   retryIf(isInstanceOf(NetworkError), exponentialBackoff({ maxAttempts: 6 })),
 * );
 *
 * @throws WorkflowValidationError when given no policy or something that is not a policy.
 */
export function anyOf(...policies: RetryPolicy[]): RetryPolicy {
  if (policies.length === 0) {
    throw new WorkflowValidationError("anyOf: pass at least one policy");
  }
  policies.forEach((p, i) => assertPolicy(`anyOf: policy ${i + 1}`, p));
  return {
    next: (info) => {
      for (const policy of policies) {
        const delay = policy.next(info);
        if (delay !== null) return delay;
      }
      return null;
    },
  };
}
