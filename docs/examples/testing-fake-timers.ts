// The "Testing your workflows" page's fake-timer samples, run by docs/test/testing.test.ts.
import { StartEvent, StopEvent, Workflow, WorkflowTimeoutError, step } from "@eventloom/core";
import { constantDelay } from "@eventloom/retry";
// #region fake-timers
import { testRun } from "@eventloom/testing";
import { afterEach, beforeEach, expect, it, vi } from "vitest";

const HOUR = 60 * 60 * 1000;

/** Syncs with an upstream that is down at first: it retries after an hour. */
class NightlySync extends Workflow {
  attempts = 0;
  sync = step(
    {
      accepts: [StartEvent],
      emits: [StopEvent],
      retry: constantDelay({ delayMs: HOUR, maxAttempts: 2 }),
    },
    () => {
      this.attempts++;
      if (this.attempts === 1) throw new Error("upstream down");
      return new StopEvent({ result: "synced" });
    },
  );
}

/** Waits for a reply that never comes (until the run's end aborts it). */
class WaitsForever extends Workflow {
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

it("retries after an hour of fake time", async () => {
  const workflow = new NightlySync({ timeout: null });
  const pending = testRun(workflow, {}); // start the run, then move the clock
  await vi.advanceTimersByTimeAsync(HOUR - 1);
  expect(workflow.attempts).toBe(1); // not yet
  await vi.advanceTimersByTimeAsync(1);
  const { result, history } = await pending;
  expect(result).toBe("synced");
  expect(history.map((r) => r.status)).toEqual(["failed", "completed"]);
});

it("times out when the fake clock passes the run's timeout", async () => {
  const pending = testRun(new WaitsForever(), {}, { timeout: 30 * 60 * 1000 });
  await vi.advanceTimersByTimeAsync(30 * 60 * 1000);
  const { error, status } = await pending;
  expect(status).toBe("timed_out");
  expect(error).toBeInstanceOf(WorkflowTimeoutError);
});
// #endregion fake-timers
