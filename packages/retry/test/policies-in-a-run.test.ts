// Each policy driven by the real engine on a fake clock: the times at which a step's executions
// start are the delays the policy asked for, to the millisecond.
import { StepTimeoutError } from "@eventloom/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  anyOf,
  constantDelay,
  exponentialBackoff,
  hasHttpStatus,
  isInstanceOf,
  limitAttempts,
  retryIf,
  withMaxElapsed,
} from "../src/index.js";
import { type FlakyRun, failures, runFlaky, sleep } from "./support/flaky-workflow.js";

class TransientError extends Error {}
class FatalError extends Error {}
const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

/** Runs the workflow while letting the fake clock run until every timer has fired. */
async function onFakeClock(run: Promise<FlakyRun>): Promise<FlakyRun> {
  await vi.runAllTimersAsync();
  return run;
}

const alwaysFails = (attempt: number): never => {
  throw new TransientError(`failure ${attempt}`);
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("constantDelay in a run", () => {
  it("starts executions delayMs apart and fails after maxAttempts", async () => {
    const run = await onFakeClock(
      runFlaky(constantDelay({ delayMs: 500, maxAttempts: 4 }), alwaysFails),
    );
    expect(run.starts).toEqual([0, 500, 1000, 1500]);
    expect(run.settledAfter).toBe(1500);
    expect(run.outcome.ok).toBe(false);
    expect(failures(run.stream).map((f) => f.attempts)).toEqual([4]);
  });

  it("returns the normal result after k failures", async () => {
    const run = await onFakeClock(
      runFlaky(constantDelay({ delayMs: 200, maxAttempts: 5 }), (attempt) => {
        if (attempt <= 3) throw new TransientError(`failure ${attempt}`);
        return `ok on attempt ${attempt}`;
      }),
    );
    expect(run.outcome).toEqual({ ok: true, value: "ok on attempt 4" });
    expect(run.starts).toEqual([0, 200, 400, 600]);
    expect(failures(run.stream)).toEqual([]);
  });
});

describe("exponentialBackoff in a run", () => {
  it("starts executions after growing, capped delays", async () => {
    const policy = exponentialBackoff({
      initialMs: 100,
      factor: 3,
      maxMs: 1000,
      jitter: "none",
      maxAttempts: 5,
    });
    const run = await onFakeClock(runFlaky(policy, alwaysFails));
    // delays 100, 300, 900, then capped at 1000
    expect(run.starts).toEqual([0, 100, 400, 1300, 2300]);
    expect(failures(run.stream).map((f) => f.attempts)).toEqual([5]);
  });

  it("waits the jittered delay that the random source gives", async () => {
    const policy = exponentialBackoff({
      initialMs: 400,
      jitter: "full",
      maxAttempts: 3,
      random: () => 0.75,
    });
    const run = await onFakeClock(runFlaky(policy, alwaysFails));
    // base 400 then 800; full jitter with u = 0.75 keeps a quarter of each
    expect(run.starts).toEqual([0, 100, 300]);
  });

  it("keeps every jittered wait within its bounds in a run", async () => {
    const policy = exponentialBackoff({
      initialMs: 1000,
      jitter: "equal",
      maxAttempts: 8,
      maxMs: 4000,
    });
    const run = await onFakeClock(runFlaky(policy, alwaysFails));
    expect(run.starts).toHaveLength(8);
    const waits = run.starts.slice(1).map((t, i) => t - run.starts[i]!);
    const bases = [1000, 2000, 4000, 4000, 4000, 4000, 4000];
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(bases[i]! / 2 - 1);
      expect(w).toBeLessThanOrEqual(bases[i]! + 1);
    });
  });

  it("gives up on time: at the failure whose next delay would overrun maxElapsedMs", async () => {
    const policy = exponentialBackoff({
      initialMs: 100,
      jitter: "none",
      maxAttempts: Infinity,
      maxElapsedMs: 1000,
    });
    // Each execution takes 50 ms: failures at 50, 200, 450, 900; the next delay (800 ms) would
    // start a fifth execution at 1700 > 1000, so the run fails at 900, without waiting.
    const run = await onFakeClock(
      runFlaky(policy, async (attempt) => {
        await sleep(50);
        throw new TransientError(`failure ${attempt}`);
      }),
    );
    expect(run.starts).toEqual([0, 150, 400, 850]);
    expect(run.settledAfter).toBe(900);
    expect(failures(run.stream).map((f) => f.attempts)).toEqual([4]);
  });

  it("retries an attempt that hit the step's timeout", async () => {
    const policy = retryIf(
      isInstanceOf(StepTimeoutError),
      constantDelay({ delayMs: 10, maxAttempts: 3 }),
    );
    const run = await onFakeClock(
      runFlaky(
        policy,
        async (attempt) => {
          if (attempt < 3) await sleep(60_000);
          return "third time lucky";
        },
        { timeout: 100 },
      ),
    );
    expect(run.outcome).toEqual({ ok: true, value: "third time lucky" });
    expect(run.starts).toEqual([0, 110, 220]);
  });
});

describe("retryIf in a run", () => {
  const onlyUnavailable = retryIf(
    hasHttpStatus(503),
    constantDelay({ delayMs: 300, maxAttempts: 5 }),
  );

  it("passes a non-retryable error through at once: exactly one execution", async () => {
    const notFound = httpError(404);
    const run = await onFakeClock(
      runFlaky(onlyUnavailable, () => {
        throw notFound;
      }),
    );
    expect(run.starts).toEqual([0]);
    expect(run.settledAfter).toBe(0);
    expect(run.outcome).toEqual({ ok: false, error: notFound });
    expect(failures(run.stream).map((f) => [f.error, f.attempts])).toEqual([[notFound, 1]]);
  });

  it("retries the retryable errors and stops at the first other one", async () => {
    const fatal = new FatalError("bad request");
    const run = await onFakeClock(
      runFlaky(onlyUnavailable, (attempt) => {
        throw attempt < 3 ? httpError(503) : fatal;
      }),
    );
    expect(run.starts).toEqual([0, 300, 600]);
    expect(run.outcome).toEqual({ ok: false, error: fatal });
  });
});

describe("composed policies in a run", () => {
  it("anyOf picks the delay by error, limitAttempts caps the total", async () => {
    const policy = limitAttempts(
      5,
      anyOf(
        retryIf(hasHttpStatus(429), constantDelay({ delayMs: 1000, maxAttempts: Infinity })),
        retryIf(hasHttpStatus(503), constantDelay({ delayMs: 10, maxAttempts: Infinity })),
      ),
    );
    const statuses = [503, 429, 503, 429, 503, 503];
    const run = await onFakeClock(
      runFlaky(policy, (attempt) => {
        throw httpError(statuses[attempt - 1]!);
      }),
    );
    expect(run.starts).toEqual([0, 10, 1010, 1020, 2020]);
    expect(failures(run.stream).map((f) => f.attempts)).toEqual([5]);
  });

  it("withMaxElapsed stops a constant delay on time", async () => {
    const policy = withMaxElapsed(1000, constantDelay({ delayMs: 300, maxAttempts: Infinity }));
    const run = await onFakeClock(runFlaky(policy, alwaysFails));
    // retries at 300, 600, 900; the next would start at 1200 > 1000
    expect(run.starts).toEqual([0, 300, 600, 900]);
    expect(run.settledAfter).toBe(900);
  });
});
