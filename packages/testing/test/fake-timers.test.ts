// testRun under Vitest's fake timers: an hour of retry delay and a run timeout, in milliseconds.
import {
  HumanResponseEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowTimeoutError,
  step,
} from "@eventloom/core";
import { testRun } from "@eventloom/testing";
import { afterEach, beforeEach, expect, it, vi } from "vitest";

const HOUR = 60 * 60 * 1000;
// The real clock, taken before the fake timers replace it.
const realNow = performance.now.bind(performance);

class Nightly extends Workflow {
  attempts = 0;
  sync = step(
    {
      accepts: [StartEvent],
      emits: [StopEvent],
      retry: { next: ({ attempt }) => (attempt < 2 ? HOUR : null) },
    },
    () => {
      if (++this.attempts === 1) throw new Error("upstream down");
      return new StopEvent({ result: `synced after ${this.attempts} attempts` });
    },
  );
}

class Stuck extends Workflow {
  wait = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
    return new Promise<StopEvent>((_resolve, reject) => {
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
    });
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it("drives a one-hour retry delay with the fake clock, in milliseconds of real time", async () => {
  const started = realNow();
  const pending = testRun(new Nightly({ timeout: null }), {});
  await vi.advanceTimersByTimeAsync(HOUR);
  const { result, history } = await pending;
  expect(result).toBe("synced after 2 attempts");
  expect(history.map((r) => r.status)).toEqual(["failed", "completed"]);
  // A generous bound for a loaded machine: the hour itself was never waited for.
  expect(realNow() - started).toBeLessThan(5_000);
});

it("does not retry before the hour is up", async () => {
  const wf = new Nightly({ timeout: null });
  const pending = testRun(wf, {});
  await vi.advanceTimersByTimeAsync(HOUR - 1);
  expect(wf.attempts).toBe(1);
  await vi.advanceTimersByTimeAsync(1);
  expect((await pending).result).toBe("synced after 2 attempts");
});

it("times a run out when the fake clock passes its timeout", async () => {
  const pending = testRun(new Stuck(), {}, { timeout: 30 * 60 * 1000 });
  await vi.advanceTimersByTimeAsync(30 * 60 * 1000);
  const { error, status } = await pending;
  expect(status).toBe("timed_out");
  expect(error).toBeInstanceOf(WorkflowTimeoutError);
  expect((error as Error).message).toMatch(/wait/);
});

it("fails a step attempt at its timeout on the fake clock, and a waitForEvent at its own", async () => {
  class Slow extends Workflow {
    work = step({ accepts: [StartEvent], emits: [StopEvent], timeout: HOUR }, (_ev, ctx) => {
      return new Promise<StopEvent>((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
      });
    });
  }
  class Waits extends Workflow {
    wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
      await ctx.waitForEvent(HumanResponseEvent, { timeout: 2 * HOUR });
      return new StopEvent({ result: "answered" });
    });
  }
  const slow = testRun(new Slow({ timeout: null }), {});
  const waits = testRun(new Waits({ timeout: null }), {});
  await vi.advanceTimersByTimeAsync(2 * HOUR);
  expect((await slow).error).toBeInstanceOf(StepTimeoutError);
  expect((await waits).error).toBeInstanceOf(StepTimeoutError);
});
