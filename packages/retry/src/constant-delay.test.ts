import { WorkflowValidationError } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { simulate } from "../test/support/simulate.js";
import { constantDelay } from "./constant-delay.js";

describe("constantDelay", () => {
  it("waits delayMs before every retry and stops after maxAttempts executions", () => {
    const run = simulate(constantDelay({ delayMs: 250, maxAttempts: 4 }));
    expect(run.executions).toBe(4);
    expect(run.delays).toEqual([250, 250, 250]);
  });

  it("defaults to 3 executions", () => {
    expect(simulate(constantDelay({ delayMs: 10 })).executions).toBe(3);
  });

  it("does not retry at all with maxAttempts 1", () => {
    expect(simulate(constantDelay({ delayMs: 10, maxAttempts: 1 }))).toMatchObject({
      executions: 1,
      delays: [],
    });
  });

  it("retries immediately with delayMs 0", () => {
    expect(simulate(constantDelay({ delayMs: 0, maxAttempts: 3 })).delays).toEqual([0, 0]);
  });

  it("keeps retrying with maxAttempts Infinity", () => {
    const policy = constantDelay({ delayMs: 5, maxAttempts: Infinity });
    expect(policy.next({ attempt: 1_000_000, elapsedMs: 5e6, error: new Error("x") })).toBe(5);
  });

  it.each([
    [
      { delayMs: -1 },
      "constantDelay: delayMs must be a finite number of milliseconds >= 0 (got -1)",
    ],
    [
      { delayMs: NaN },
      "constantDelay: delayMs must be a finite number of milliseconds >= 0 (got NaN)",
    ],
    [{ delayMs: Infinity }, "delayMs must be a finite number of milliseconds >= 0 (got Infinity)"],
    [{ delayMs: "100" }, 'delayMs must be a finite number of milliseconds >= 0 (got "100")'],
    [{ maxAttempts: 3 }, "constantDelay: delayMs is required"],
    [{ delayMs: 10, maxAttempts: 0 }, "maxAttempts must be a whole number >= 1"],
    [{ delayMs: 10, maxAttempts: 2.5 }, "maxAttempts must be a whole number >= 1"],
    [
      { delayMs: 10, maxAttemps: 3 },
      'unknown option "maxAttemps" (known options: delayMs, maxAttempts)',
    ],
    [undefined, "constantDelay: expected an options object, got undefined"],
  ])(
    "rejects %j at construction with a WorkflowValidationError naming the option",
    (options, message) => {
      const build = () => constantDelay(options as never);
      expect(build).toThrow(WorkflowValidationError);
      expect(build).toThrow(message);
    },
  );
});
