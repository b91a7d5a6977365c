import { WorkflowValidationError, type RetryAttemptInfo, type RetryPolicy } from "@eventloom/core";
import { assertPolicy, show } from "./internal/options.js";

/** Decides from a failure whether it is worth retrying. */
export type RetryPredicate = (error: unknown, info: RetryAttemptInfo) => boolean;

/**
 * Retries only the failures that `predicate` accepts, as `policy` says; any other failure is
 * passed through at once (no retry, the run fails with that error after that one execution).
 * The predicate sees every failure, the last one's retry too: a step that fails with a
 * retryable error and then a fatal one stops at the fatal one.
 *
 * @example
 * import { exponentialBackoff, hasHttpStatus, httpStatusOf, isInstanceOf, retryIf } from "@eventloom/retry";
 *
 * // Retry rate limits and unavailability; a 400 or 404 fails the run straight away.
 * const retry = retryIf(hasHttpStatus(429, 502, 503, 504), exponentialBackoff({ maxAttempts: 5 }));
 *
 * // By class, or with any function of the error.
 * const onNetwork = retryIf(isInstanceOf(NetworkError), exponentialBackoff());
 * const onServerErrors = retryIf((e) => (httpStatusOf(e) ?? 0) >= 500, exponentialBackoff());
 *
 * @throws WorkflowValidationError when `predicate` is not a function or `policy` not a policy.
 */
export function retryIf(predicate: RetryPredicate, policy: RetryPolicy): RetryPolicy {
  if (typeof predicate !== "function") {
    throw new WorkflowValidationError(
      `retryIf: predicate must be a function (error, info) => boolean, got ${show(predicate)}`,
    );
  }
  assertPolicy("retryIf: policy", policy);
  return {
    next: (info) => (predicate(info.error, info) ? policy.next(info) : null),
  };
}
