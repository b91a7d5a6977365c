import type { RetryPolicy } from "@eventloom/core";
import { WorkflowValidationError } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { simulate } from "../test/support/simulate.js";
import { allOf } from "./all-of.js";
import { anyOf } from "./any-of.js";
import { constantDelay } from "./constant-delay.js";
import { exponentialBackoff } from "./exponential-backoff.js";
import { hasHttpStatus } from "./error-predicates.js";
import { limitAttempts } from "./limit-attempts.js";
import { retryIf } from "./retry-if.js";
import { withMaxElapsed } from "./with-max-elapsed.js";

const forever = (delayMs: number) => constantDelay({ delayMs, maxAttempts: Infinity });
const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

describe("limitAttempts", () => {
  it("stops after maxAttempts executions", () => {
    expect(simulate(limitAttempts(4, forever(10)))).toMatchObject({
      executions: 4,
      delays: [10, 10, 10],
    });
  });

  it("keeps the inner policy's own, lower limit", () => {
    const inner = constantDelay({ delayMs: 10, maxAttempts: 2 });
    expect(simulate(limitAttempts(10, inner)).executions).toBe(2);
  });

  it("rejects a bad maxAttempts, naming it", () => {
    expect(() => limitAttempts(0, forever(10))).toThrow(WorkflowValidationError);
    expect(() => limitAttempts(0, forever(10))).toThrow(
      "limitAttempts: maxAttempts must be a whole number >= 1",
    );
  });
});

describe("withMaxElapsed", () => {
  it("gives up as soon as the next retry would start after the budget", () => {
    // 100 ms executions, 200 ms delays: failures at 100, 400, 700, 1000 ms; retries start at
    // 300, 600, 900; the one after the failure at 1000 ms would start at 1200 > 1000.
    const run = simulate(withMaxElapsed(1000, forever(200)), { attemptMs: 100 });
    expect(run.asked.map((i) => i.elapsedMs)).toEqual([100, 400, 700, 1000]);
    expect(run.executions).toBe(4);
  });

  it("passes a give-up through", () => {
    const inner = constantDelay({ delayMs: 1, maxAttempts: 2 });
    expect(simulate(withMaxElapsed(60_000, inner)).executions).toBe(2);
  });

  it("rejects a budget that is not positive", () => {
    expect(() => withMaxElapsed(0, forever(10))).toThrow(
      "withMaxElapsed: maxElapsedMs must be a finite number of milliseconds > 0 (got 0)",
    );
    expect(() => withMaxElapsed(1000, null as never)).toThrow(WorkflowValidationError);
  });
});

describe("anyOf", () => {
  const perError = anyOf(
    retryIf(hasHttpStatus(429), constantDelay({ delayMs: 5000, maxAttempts: 3 })),
    retryIf(
      hasHttpStatus(503),
      exponentialBackoff({ initialMs: 100, jitter: "none", maxAttempts: 5 }),
    ),
  );

  it("picks the delay of the first policy that retries", () => {
    expect(simulate(perError, { error: () => httpError(429) })).toMatchObject({
      executions: 3,
      delays: [5000, 5000],
    });
    expect(simulate(perError, { error: () => httpError(503) })).toMatchObject({
      executions: 5,
      delays: [100, 200, 400, 800],
    });
  });

  it("gives up only when every policy gives up", () => {
    expect(simulate(perError, { error: () => httpError(400) }).executions).toBe(1);
  });

  it("counts attempts across policies: the step's numbering, not each policy's", () => {
    // 503, 503, 503, then 429: the 429 policy is at attempt 4 >= its 3 and gives up.
    const run = simulate(perError, { error: (a) => httpError(a <= 3 ? 503 : 429) });
    expect(run.executions).toBe(4);
  });

  it("does not ask the policies after the one that retried", () => {
    let asked = 0;
    const spy: RetryPolicy = { next: () => (asked++, 1) };
    anyOf(forever(5), spy).next({ attempt: 1, elapsedMs: 0, error: null });
    expect(asked).toBe(0);
  });

  it("needs at least one policy, each a policy", () => {
    expect(() => anyOf()).toThrow("anyOf: pass at least one policy");
    expect(() => anyOf(forever(1), 5 as never)).toThrow("anyOf: policy 2 must be a RetryPolicy");
  });
});

describe("allOf", () => {
  it("waits the longest of the delays", () => {
    const policy = allOf(
      exponentialBackoff({ initialMs: 100, jitter: "none", maxAttempts: 6 }),
      forever(300),
    );
    expect(simulate(policy).delays).toEqual([300, 300, 400, 800, 1600]);
  });

  it("gives up as soon as one policy gives up", () => {
    const policy = allOf(forever(10), constantDelay({ delayMs: 1, maxAttempts: 2 }));
    expect(simulate(policy).executions).toBe(2);
  });

  it("does not ask the policies after one that gave up", () => {
    let asked = 0;
    const spy: RetryPolicy = { next: () => (asked++, 1) };
    const policy = allOf(
      retryIf(() => false, forever(5)),
      spy,
    );
    expect(policy.next({ attempt: 1, elapsedMs: 0, error: null })).toBeNull();
    expect(asked).toBe(0);
  });

  it("needs at least one policy", () => {
    expect(() => allOf()).toThrow(WorkflowValidationError);
  });
});
