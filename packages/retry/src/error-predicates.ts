import { WorkflowValidationError } from "@eventloom/core";
import { show } from "./internal/options.js";

/** Any class, abstract ones included. */
// `any` here is what TypeScript needs to accept every constructor signature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = abstract new (...args: any[]) => unknown;

/**
 * A {@link RetryPredicate} that is true when the error is an instance of one of `classes`
 * (subclasses included).
 *
 * @example
 * import { exponentialBackoff, isInstanceOf, retryIf } from "@eventloom/retry";
 * import { StepTimeoutError } from "@eventloom/core";
 * const retry = retryIf(isInstanceOf(StepTimeoutError, NetworkError), exponentialBackoff());
 *
 * @throws WorkflowValidationError when called with no class or with something not a class.
 */
export function isInstanceOf(...classes: AnyClass[]): (error: unknown) => boolean {
  if (classes.length === 0) {
    throw new WorkflowValidationError("isInstanceOf: pass at least one error class");
  }
  for (const cls of classes) {
    if (typeof cls !== "function") {
      throw new WorkflowValidationError(`isInstanceOf: expected classes, got ${show(cls)}`);
    }
  }
  return (error) => classes.some((cls) => error instanceof cls);
}

/**
 * The HTTP status carried by an error, if any: a numeric `status` or `statusCode` on the error
 * itself, or `response.status` (the shapes used by fetch wrappers, axios, got, the OpenAI and
 * Anthropic SDKs and most others).
 *
 * @example
 * import { exponentialBackoff, httpStatusOf, retryIf } from "@eventloom/retry";
 * const retry = retryIf((e) => (httpStatusOf(e) ?? 0) >= 500, exponentialBackoff());
 */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.status, e.statusCode, e.response?.status]) {
    if (typeof candidate === "number") return candidate;
  }
  return undefined;
}

/**
 * A {@link RetryPredicate} that is true when the error carries one of `statuses` (read with
 * {@link httpStatusOf}). An error with no status is not retried.
 *
 * @example
 * import { constantDelay, hasHttpStatus, retryIf } from "@eventloom/retry";
 * const retry = retryIf(hasHttpStatus(429, 503), constantDelay({ delayMs: 1000, maxAttempts: 4 }));
 *
 * @throws WorkflowValidationError when called with no status or with something not an integer.
 */
export function hasHttpStatus(...statuses: number[]): (error: unknown) => boolean {
  if (statuses.length === 0) {
    throw new WorkflowValidationError("hasHttpStatus: pass at least one status code");
  }
  for (const s of statuses) {
    if (!Number.isInteger(s)) {
      throw new WorkflowValidationError(
        `hasHttpStatus: status codes must be integers, got ${show(s)}`,
      );
    }
  }
  const wanted = new Set(statuses);
  return (error) => {
    const status = httpStatusOf(error);
    return status !== undefined && wanted.has(status);
  };
}
