/**
 * Retry policies for Eventloom steps. Pass one as a step's `retry` option:
 *
 * ```ts
 * import { step, StartEvent, StopEvent } from "@eventloom/core";
 * import { exponentialBackoff } from "@eventloom/retry";
 *
 * const call = step(
 *   { accepts: [StartEvent], emits: [StopEvent], retry: exponentialBackoff({ maxAttempts: 5 }) },
 *   async () => new StopEvent({ result: await callTheApi() }),
 * );
 * ```
 *
 * Every policy is stateless (one object can serve many steps and runs) and validates its options
 * when it is built, throwing `WorkflowValidationError` from `@eventloom/core`. `maxAttempts`
 * always counts executions: 3 means one try and two retries.
 *
 * @packageDocumentation
 */

// Policies
export { constantDelay, type ConstantDelayOptions } from "./constant-delay.js";
export {
  exponentialBackoff,
  type ExponentialBackoffOptions,
  type Jitter,
} from "./exponential-backoff.js";

// Conditions
export { retryIf, type RetryPredicate } from "./retry-if.js";
export { isInstanceOf, hasHttpStatus, httpStatusOf } from "./error-predicates.js";

// Composition
export { limitAttempts } from "./limit-attempts.js";
export { withMaxElapsed } from "./with-max-elapsed.js";
export { anyOf } from "./any-of.js";
export { allOf } from "./all-of.js";
