import { WorkflowValidationError } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { simulate } from "../test/support/simulate.js";
import { constantDelay } from "./constant-delay.js";
import { hasHttpStatus, isInstanceOf } from "./error-predicates.js";
import { retryIf } from "./retry-if.js";

class TransientError extends Error {}
class FatalError extends Error {}

const everySecond = constantDelay({ delayMs: 1000, maxAttempts: 5 });

describe("retryIf", () => {
  it("retries matching errors as the inner policy says", () => {
    const run = simulate(retryIf(isInstanceOf(TransientError), everySecond), {
      error: () => new TransientError(),
    });
    expect(run).toMatchObject({ executions: 5, delays: [1000, 1000, 1000, 1000] });
  });

  it("gives up at once on an error the predicate rejects", () => {
    const run = simulate(retryIf(isInstanceOf(TransientError), everySecond), {
      error: () => new FatalError(),
    });
    expect(run).toMatchObject({ executions: 1, delays: [] });
  });

  it("stops at the first non-retryable error after retryable ones", () => {
    const run = simulate(retryIf(isInstanceOf(TransientError), everySecond), {
      error: (attempt) => (attempt < 3 ? new TransientError() : new FatalError()),
    });
    expect(run.executions).toBe(3);
  });

  it("does not ask the inner policy about rejected errors", () => {
    let asked = 0;
    const policy = retryIf(() => false, { next: () => (asked++, 10) });
    expect(policy.next({ attempt: 1, elapsedMs: 0, error: new Error("x") })).toBeNull();
    expect(asked).toBe(0);
  });

  it("gives the predicate the attempt info", () => {
    const policy = retryIf((_e, info) => info.elapsedMs < 2500, everySecond);
    expect(simulate(policy, { attemptMs: 500 }).executions).toBe(3);
  });

  it("rejects a predicate that is not a function and a policy that is not a policy", () => {
    expect(() => retryIf("TransientError" as never, everySecond)).toThrow(WorkflowValidationError);
    expect(() => retryIf("TransientError" as never, everySecond)).toThrow(
      'retryIf: predicate must be a function (error, info) => boolean, got "TransientError"',
    );
    expect(() => retryIf(() => true, { delayMs: 10 } as never)).toThrow(
      "retryIf: policy must be a RetryPolicy",
    );
  });
});

describe("isInstanceOf", () => {
  it("matches instances of any given class, subclasses included", () => {
    class SpecialTransient extends TransientError {}
    const retryable = isInstanceOf(TransientError, TypeError);
    expect(retryable(new TransientError())).toBe(true);
    expect(retryable(new SpecialTransient())).toBe(true);
    expect(retryable(new TypeError())).toBe(true);
    expect(retryable(new FatalError())).toBe(false);
    expect(retryable("TransientError")).toBe(false);
  });

  it("needs at least one class", () => {
    expect(() => isInstanceOf()).toThrow(WorkflowValidationError);
    expect(() => isInstanceOf("Error" as never)).toThrow(
      'isInstanceOf: expected classes, got "Error"',
    );
  });
});

describe("hasHttpStatus", () => {
  const withStatus = (fields: object) => Object.assign(new Error("http"), fields);

  it("reads status, statusCode or response.status", () => {
    const busy = hasHttpStatus(429, 503);
    expect(busy(withStatus({ status: 503 }))).toBe(true);
    expect(busy(withStatus({ statusCode: 429 }))).toBe(true);
    expect(busy(withStatus({ response: { status: 503 } }))).toBe(true);
    expect(busy({ status: 429 })).toBe(true);
  });

  it("is false for other statuses and for errors without one", () => {
    const busy = hasHttpStatus(429, 503);
    expect(busy(withStatus({ status: 404 }))).toBe(false);
    expect(busy(withStatus({ status: "503" }))).toBe(false);
    expect(busy(new Error("no status"))).toBe(false);
    expect(busy(undefined)).toBe(false);
    expect(busy(503)).toBe(false);
  });

  it("needs integer status codes", () => {
    expect(() => hasHttpStatus()).toThrow(WorkflowValidationError);
    expect(() => hasHttpStatus("5xx" as never)).toThrow(
      'hasHttpStatus: status codes must be integers, got "5xx"',
    );
  });
});
