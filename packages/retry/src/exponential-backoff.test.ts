import { WorkflowRuntimeError, WorkflowValidationError } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { simulate } from "../test/support/simulate.js";
import { exponentialBackoff } from "./exponential-backoff.js";

/** Many delays for one attempt number, from the default random source. */
function sample(policy: ReturnType<typeof exponentialBackoff>, attempt: number, n = 20_000) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(policy.next({ attempt, elapsedMs: 0, error: null })!);
  return out;
}

describe("exponentialBackoff", () => {
  it("multiplies the delay by factor after each failure, without jitter", () => {
    const run = simulate(
      exponentialBackoff({
        initialMs: 100,
        factor: 3,
        maxMs: 10_000,
        jitter: "none",
        maxAttempts: 5,
      }),
    );
    expect(run.executions).toBe(5);
    expect(run.delays).toEqual([100, 300, 900, 2700]);
  });

  it("caps every delay at maxMs", () => {
    const run = simulate(
      exponentialBackoff({ initialMs: 100, factor: 2, maxMs: 500, jitter: "none", maxAttempts: 7 }),
    );
    expect(run.delays).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it("stays at maxMs when the exponential overflows", () => {
    const policy = exponentialBackoff({
      initialMs: 1,
      factor: 10,
      maxMs: 60_000,
      jitter: "none",
      maxAttempts: Infinity,
    });
    expect(policy.next({ attempt: 5000, elapsedMs: 0, error: null })).toBe(60_000);
  });

  it("gives a constant delay with factor 1", () => {
    const run = simulate(
      exponentialBackoff({ initialMs: 50, factor: 1, jitter: "none", maxAttempts: 4 }),
    );
    expect(run.delays).toEqual([50, 50, 50]);
  });

  it("takes jitter: false as none and jitter: true as full", () => {
    const off = simulate(exponentialBackoff({ initialMs: 100, jitter: false, maxAttempts: 4 }));
    expect(off.delays).toEqual([100, 200, 400]);
    const on = simulate(exponentialBackoff({ initialMs: 100, jitter: true, random: () => 0.75 }));
    expect(on.delays).toEqual([25, 50]);
  });

  it("starts at maxMs when only a maxMs below the default initialMs is given", () => {
    const run = simulate(exponentialBackoff({ maxMs: 50, jitter: "none", maxAttempts: 3 }));
    expect(run.delays).toEqual([50, 50]);
  });

  it("defaults to 100 ms doubling, equal jitter and 3 executions", () => {
    const run = simulate(exponentialBackoff({ random: () => 0 }));
    expect(run.executions).toBe(3);
    expect(run.delays).toEqual([100, 200]);
    const lowest = simulate(exponentialBackoff({ random: () => 1 }));
    expect(lowest.delays).toEqual([50, 100]);
  });

  it.each([
    ["full", 0, 1],
    ["equal", 0.5, 1],
    ["none", 1, 1],
    [0.2, 0.8, 1],
  ] as const)(
    "draws %s jitter uniformly within [base * %s, base * %s] over many samples",
    (jitter, lo, hi) => {
      // attempt 4: base = 100 * 2^3 = 800 ms
      const delays = sample(
        exponentialBackoff({ initialMs: 100, jitter, maxAttempts: Infinity }),
        4,
      );
      const min = Math.min(...delays);
      const max = Math.max(...delays);
      expect(min).toBeGreaterThanOrEqual(800 * lo);
      expect(max).toBeLessThanOrEqual(800 * hi);
      if (lo === hi) {
        expect(min).toBe(800);
        return;
      }
      // The samples fill the whole range (jitter really applied) and are not lopsided.
      const width = 800 * (hi - lo);
      expect(min).toBeLessThan(800 * lo + width * 0.01);
      expect(max).toBeGreaterThan(800 * hi - width * 0.01);
      const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
      expect(Math.abs(mean - (800 * (lo + hi)) / 2)).toBeLessThan(width * 0.02);
    },
  );

  it("applies jitter to delays at the maxMs cap too, never above it", () => {
    const delays = sample(
      exponentialBackoff({ initialMs: 100, maxMs: 300, jitter: "full", maxAttempts: Infinity }),
      10,
    );
    expect(Math.max(...delays)).toBeLessThanOrEqual(300);
    expect(Math.min(...delays)).toBeLessThan(30);
  });

  it("uses an injected random source, so delays are reproducible", () => {
    const values = [0.25, 0.5, 0.75];
    let i = 0;
    const policy = exponentialBackoff({
      initialMs: 100,
      jitter: "full",
      maxAttempts: 4,
      random: () => values[i++]!,
    });
    expect(simulate(policy).delays).toEqual([75, 100, 100]);
  });

  it("fails the attempt with a WorkflowRuntimeError when the random source returns out of [0, 1]", () => {
    const policy = exponentialBackoff({ jitter: "full", random: () => 7 });
    expect(() => policy.next({ attempt: 1, elapsedMs: 0, error: null })).toThrow(
      WorkflowRuntimeError,
    );
    expect(() => policy.next({ attempt: 1, elapsedMs: 0, error: null })).toThrow(
      "random() returned 7",
    );
  });

  it("gives up when the next delay would end past maxElapsedMs, and not before", () => {
    // Each execution takes 50 ms. Failures at 50, 200, 450, 900 ms; the fourth delay (800 ms)
    // would start a retry at 1700 ms, past the 1000 ms budget.
    const policy = exponentialBackoff({
      initialMs: 100,
      jitter: "none",
      maxAttempts: Infinity,
      maxElapsedMs: 1000,
    });
    const run = simulate(policy, { attemptMs: 50 });
    expect(run.executions).toBe(4);
    expect(run.delays).toEqual([100, 200, 400]);
    expect(run.asked.map((i) => i.elapsedMs)).toEqual([50, 200, 450, 900]);
  });

  it("retries when the next attempt would start exactly at maxElapsedMs", () => {
    const policy = exponentialBackoff({
      initialMs: 100,
      factor: 1,
      jitter: "none",
      maxAttempts: Infinity,
      maxElapsedMs: 300,
    });
    expect(simulate(policy).delays).toEqual([100, 100, 100]);
  });

  it("stops at whichever of maxAttempts and maxElapsedMs comes first", () => {
    const base = { initialMs: 100, factor: 1, jitter: "none" } as const;
    expect(
      simulate(exponentialBackoff({ ...base, maxAttempts: 3, maxElapsedMs: 10_000 })).executions,
    ).toBe(3);
    expect(
      simulate(exponentialBackoff({ ...base, maxAttempts: 30, maxElapsedMs: 250 })).executions,
    ).toBe(3);
  });

  it.each([
    [
      { initialMs: -5 },
      "exponentialBackoff: initialMs must be a finite number of milliseconds >= 0 (got -5)",
    ],
    [{ factor: 0.5 }, "exponentialBackoff: factor must be a finite number >= 1 (got 0.5)"],
    [{ factor: Infinity }, "factor must be a finite number >= 1 (got Infinity)"],
    [{ maxMs: -1 }, "maxMs must be a finite number of milliseconds >= 0 (got -1)"],
    [{ initialMs: 5000, maxMs: 1000 }, "initialMs (5000) must not be greater than maxMs (1000)"],
    [
      { jitter: 1.5 },
      'jitter must be "full", "equal", "none", a ratio between 0 and 1, or a boolean (got 1.5)',
    ],
    [
      { jitter: "half" },
      'jitter must be "full", "equal", "none", a ratio between 0 and 1, or a boolean (got "half")',
    ],
    [{ maxAttempts: 0 }, "exponentialBackoff: maxAttempts must be a whole number >= 1"],
    [{ maxElapsedMs: 0 }, "maxElapsedMs must be a finite number of milliseconds > 0 (got 0)"],
    [{ random: 0.5 }, "random must be a function returning a number in [0, 1)"],
    [{ intialMs: 100 }, 'unknown option "intialMs"'],
  ])(
    "rejects %j at construction with a WorkflowValidationError naming the option",
    (options, message) => {
      const build = () => exponentialBackoff(options as never);
      expect(build).toThrow(WorkflowValidationError);
      expect(build).toThrow(message);
    },
  );

  it("lists every problem at once", () => {
    let caught: unknown;
    try {
      exponentialBackoff({ initialMs: -1, factor: 0 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(WorkflowValidationError);
    expect((caught as WorkflowValidationError).problems).toHaveLength(2);
  });
});
