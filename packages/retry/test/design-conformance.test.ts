// DESIGN "Plugins" / @eventloom/retry, checked through the package's public entry and real runs:
// `constantDelay({ delayMs, maxAttempts })`, `exponentialBackoff({ initialMs, factor, maxMs,
// jitter, maxAttempts, maxElapsedMs })`, `retryIf(predicate, policy)`; policies compose;
// `maxAttempts` counts executions (3 = one try and two retries).
import {
  type Context,
  type RetryAttemptInfo,
  type RetryPolicy,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { constantDelay, exponentialBackoff, retryIf } from "@eventloom/retry";
import { type FlakyRun, failures, runFlaky, sleep } from "./support/flaky-workflow.js";

class TransientError extends Error {
  override readonly name = "TransientError";
}
class FatalError extends Error {
  override readonly name = "FatalError";
}

/** Waits between consecutive execution starts. */
const waits = (starts: readonly number[]) => starts.slice(1).map((t, i) => t - starts[i]!);

/** Wraps `policy` so that every `info` the engine asks it with is recorded. */
function recording(policy: RetryPolicy): { policy: RetryPolicy; asked: RetryAttemptInfo[] } {
  const asked: RetryAttemptInfo[] = [];
  return { policy: { next: (info) => (asked.push(info), policy.next(info)) }, asked };
}

describe("on a fake clock", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs the flaky one-step workflow while the fake clock runs every timer. */
  async function onFakeClock(run: Promise<FlakyRun>): Promise<FlakyRun> {
    await vi.runAllTimersAsync();
    return run;
  }

  const alwaysFails = (attempt: number): never => {
    throw new TransientError(`failure ${attempt}`);
  };

  describe("maxAttempts counts executions", () => {
    it.each([
      ["constantDelay", () => constantDelay({ delayMs: 10, maxAttempts: 3 })],
      ["exponentialBackoff", () => exponentialBackoff({ initialMs: 10, maxAttempts: 3 })],
      [
        "retryIf(always, constantDelay)",
        () => retryIf(() => true, constantDelay({ delayMs: 10, maxAttempts: 3 })),
      ],
    ])(
      "%s with maxAttempts 3 runs a failing step 3 times (one try, two retries) and rejects with the third failure",
      async (_name, make) => {
        const seen: number[] = [];
        const run = await onFakeClock(
          runFlaky(make(), (attempt, ctx: Context) => {
            seen.push(ctx.retry.attempt);
            return alwaysFails(attempt);
          }),
        );
        expect(run.starts).toHaveLength(3);
        expect(seen).toEqual([1, 2, 3]);
        expect(run.outcome.ok).toBe(false);
        const error = (run.outcome as { error: unknown }).error;
        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toBe("failure 3");
        expect(failures(run.stream).map((f) => [f.attempts, f.error])).toEqual([[3, error]]);
      },
    );

    it("does not retry at all with maxAttempts 1", async () => {
      for (const policy of [
        constantDelay({ delayMs: 10, maxAttempts: 1 }),
        exponentialBackoff({ maxAttempts: 1 }),
      ]) {
        const run = await onFakeClock(runFlaky(policy, alwaysFails));
        expect(run.starts).toEqual([0]);
        expect(failures(run.stream).map((f) => f.attempts)).toEqual([1]);
      }
    });

    it("completes when the last allowed execution succeeds", async () => {
      const run = await onFakeClock(
        runFlaky(constantDelay({ delayMs: 10, maxAttempts: 3 }), (attempt) =>
          attempt < 3 ? alwaysFails(attempt) : `ok on ${attempt}`,
        ),
      );
      expect(run.outcome).toEqual({ ok: true, value: "ok on 3" });
      expect(run.starts).toEqual([0, 10, 20]);
    });
  });

  describe("exponentialBackoff", () => {
    it("waits initialMs before the first retry, then factor times longer each time, capped at maxMs", async () => {
      const policy = exponentialBackoff({
        initialMs: 40,
        factor: 3,
        maxMs: 500,
        jitter: "none",
        maxAttempts: 6,
      });
      const run = await onFakeClock(runFlaky(policy, alwaysFails));
      expect(waits(run.starts)).toEqual([40, 120, 360, 500, 500]);
      expect(failures(run.stream).map((f) => f.attempts)).toEqual([6]);
    });

    it.each([
      ["full", 0],
      ["equal", 0.5],
      [0.25, 0.75],
    ] as const)(
      "with jitter %s, every wait lies in [%s × base, base] and never exceeds maxMs",
      async (jitter, lowShare) => {
        const initialMs = 100;
        const maxMs = 1_600;
        const policy = exponentialBackoff({ initialMs, maxMs, jitter, maxAttempts: 12 });
        const run = await onFakeClock(runFlaky(policy, alwaysFails));
        const observed = waits(run.starts);
        expect(observed).toHaveLength(11);
        observed.forEach((w, i) => {
          const base = Math.min(maxMs, initialMs * 2 ** i);
          expect(w).toBeGreaterThanOrEqual(Math.floor(base * lowShare));
          expect(w).toBeLessThanOrEqual(base);
          expect(w).toBeLessThanOrEqual(maxMs);
        });
        // The delays really are randomised: 11 draws that all land on the base are not jitter.
        const bases = observed.map((_, i) => Math.min(maxMs, initialMs * 2 ** i));
        expect(observed).not.toEqual(bases);
      },
    );

    it("maxElapsedMs: no retry starts later than maxElapsedMs after the first attempt, and the run fails at the last failure without waiting", async () => {
      const policy = exponentialBackoff({
        initialMs: 60,
        jitter: "full",
        maxAttempts: Infinity,
        maxElapsedMs: 1_000,
      });
      const run = await onFakeClock(
        runFlaky(policy, async (attempt) => {
          await sleep(50);
          throw new TransientError(`failure ${attempt}`);
        }),
      );
      expect(run.starts.length).toBeGreaterThanOrEqual(3);
      for (const start of run.starts) expect(start).toBeLessThanOrEqual(1_000);
      expect(run.settledAfter).toBe(run.starts.at(-1)! + 50);
      expect(run.outcome.ok).toBe(false);
    });

    it("is asked with elapsedMs measured from the start of the first attempt (the Python original's elapsed-time bug is fixed)", async () => {
      const { policy, asked } = recording(
        exponentialBackoff({ initialMs: 100, jitter: "none", maxAttempts: 4 }),
      );
      await onFakeClock(
        runFlaky(policy, async (attempt) => {
          await sleep(50);
          throw new TransientError(`failure ${attempt}`);
        }),
      );
      // Executions take 50 ms; waits 100, 200, 400: failures at 50, 200, 450, 900 ms.
      expect(asked.map((i) => [i.attempt, i.elapsedMs])).toEqual([
        [1, 50],
        [2, 200],
        [3, 450],
        [4, 900],
      ]);
    });
  });

  describe("retryIf composes", () => {
    it("retries the errors the predicate accepts as the wrapped exponentialBackoff says", async () => {
      const policy = retryIf(
        (e) => e instanceof TransientError,
        exponentialBackoff({ initialMs: 25, factor: 2, jitter: "none", maxAttempts: 4 }),
      );
      const run = await onFakeClock(
        runFlaky(policy, (attempt) =>
          attempt < 4 ? alwaysFails(attempt) : `ok on attempt ${attempt}`,
        ),
      );
      expect(run.outcome).toEqual({ ok: true, value: "ok on attempt 4" });
      expect(waits(run.starts)).toEqual([25, 50, 100]);
    });

    it("fails the run at once, with the step's own error, when the predicate rejects it", async () => {
      const fatal = new FatalError("bad order");
      const policy = retryIf(
        (e) => e instanceof TransientError,
        constantDelay({ delayMs: 10, maxAttempts: 5 }),
      );
      const run = await onFakeClock(
        runFlaky(policy, (attempt) => {
          if (attempt === 1) throw new TransientError("flaky");
          throw fatal;
        }),
      );
      expect(run.starts).toEqual([0, 10]);
      expect(run.outcome).toEqual({ ok: false, error: fatal });
      expect(failures(run.stream).map((f) => [f.attempts, f.error])).toEqual([[2, fatal]]);
    });

    it("nests: retryIf(a, retryIf(b, policy)) retries only the errors both accept", async () => {
      class Status extends Error {
        constructor(readonly status: number) {
          super(`HTTP ${status}`);
        }
      }
      const policy = retryIf(
        (e) => e instanceof Status,
        retryIf((e) => (e as Status).status >= 500, constantDelay({ delayMs: 5, maxAttempts: 10 })),
      );
      const statuses = [503, 502, 404, 503];
      const run = await onFakeClock(
        runFlaky(policy, (attempt) => {
          throw new Status(statuses[attempt - 1]!);
        }),
      );
      expect(run.starts).toEqual([0, 5, 10]);
      expect((run.outcome as { error: Status }).error.status).toBe(404);
    });

    it("gives the predicate the step's own error object and the attempt info", async () => {
      const thrown: unknown[] = [];
      const seen: [unknown, number][] = [];
      const policy = retryIf(
        (error, info) => {
          seen.push([error, info.attempt]);
          return true;
        },
        constantDelay({ delayMs: 1, maxAttempts: 3 }),
      );
      await onFakeClock(
        runFlaky(policy, (attempt) => {
          const e = new TransientError(`failure ${attempt}`);
          thrown.push(e);
          throw e;
        }),
      );
      expect(seen).toEqual([
        [thrown[0], 1],
        [thrown[1], 2],
        [thrown[2], 3],
      ]);
    });

    it("keeps the wrapped policy's own maxAttempts", async () => {
      const run = await onFakeClock(
        runFlaky(
          retryIf(() => true, constantDelay({ delayMs: 5, maxAttempts: 2 })),
          alwaysFails,
        ),
      );
      expect(run.starts).toEqual([0, 5]);
    });
  });
});

describe("policies on every form of step", () => {
  it("retries a decorated method and an unbound addStep step like a field step", async () => {
    const calls: string[] = [];
    class Decorated extends Workflow {
      @step({
        accepts: [StartEvent],
        emits: [StopEvent],
        retry: constantDelay({ delayMs: 1, maxAttempts: 3 }),
      })
      async fetch(_ev: StartEvent, ctx: Context) {
        calls.push(`method ${ctx.retry.attempt}`);
        if (ctx.retry.attempt < 3) throw new TransientError("not yet");
        return new StopEvent({ result: "method done" });
      }
    }
    class Unbound extends Workflow {}
    Unbound.addStep(
      step(
        {
          name: "fetch",
          accepts: [StartEvent],
          emits: [StopEvent],
          retry: exponentialBackoff({ initialMs: 1, maxAttempts: 2 }),
        },
        (_ev, ctx) => {
          calls.push(`unbound ${ctx.retry.attempt}`);
          if (ctx.retry.attempt < 2) throw new TransientError("not yet");
          return new StopEvent({ result: "unbound done" });
        },
      ),
    );
    expect(await new Decorated().run()).toBe("method done");
    expect(await new Unbound().run()).toBe("unbound done");
    expect(calls).toEqual(["method 1", "method 2", "method 3", "unbound 1", "unbound 2"]);
  });
});
