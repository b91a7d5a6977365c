import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";
import { deferred, streamTypes } from "./support/control.js";

class Work extends Event.define({ n: z.number() }) {}

/** A promise that settles only when `signal` aborts, with its reason. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

describe("run timeout", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("rejects with WorkflowTimeoutError naming the active steps, and streams WorkflowTimedOutEvent", async () => {
    const aborted = deferred<unknown>();
    class Stuck extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Work] }, () => new Work({ n: 1 }));
      stuck = step({ accepts: [Work], emits: [StopEvent] }, async (_ev, ctx) => {
        ctx.signal.addEventListener("abort", () => aborted.resolve(ctx.signal.reason));
        return untilAborted(ctx.signal);
      });
      waiting = step({ accepts: [Work], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.waitForEvent(HumanResponseEvent);
        return new StopEvent({ result: "answered" });
      });
    }
    const handler = new Stuck({ timeout: 60 }).run();
    const stream = streamTypes(handler.streamEvents());
    const error = await handler.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    const timeout = error as WorkflowTimeoutError;
    expect(timeout.timeoutMs).toBe(60);
    expect([...timeout.activeSteps].sort()).toEqual(["stuck", "waiting"]);
    expect(timeout.message).toContain("60 ms");
    expect(timeout.message).toContain("stuck");
    expect(handler.status).toBe("timed_out");
    expect(await aborted.promise).toBe(error);
    expect(await stream).toEqual(["WorkflowTimedOutEvent"]);
  });

  it("puts timeoutMs and the active steps on the terminal WorkflowTimedOutEvent", async () => {
    class Stuck extends Workflow {
      stuck = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) =>
        untilAborted(ctx.signal),
      );
    }
    const handler = new Stuck().run({}, { timeout: 30 });
    const events = [];
    for await (const ev of handler.streamEvents()) events.push(ev);
    expect(events).toHaveLength(1);
    const terminal = events[0] as WorkflowTimedOutEvent;
    expect(terminal).toBeInstanceOf(WorkflowTimedOutEvent);
    expect(terminal.timeoutMs).toBe(30);
    expect(terminal.activeSteps).toEqual(["stuck"]);
    await expect(handler).rejects.toBeInstanceOf(WorkflowTimeoutError);
  });

  it("names a step that is waiting to retry as active", async () => {
    class Flaky extends Workflow {
      flaky = step(
        { accepts: [StartEvent], emits: [StopEvent], retry: { next: () => 60_000 } },
        () => {
          throw new Error("down");
        },
      );
    }
    const error = await new Flaky({ timeout: 40 }).run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    expect((error as WorkflowTimeoutError).activeSteps).toEqual(["flaky"]);
  });

  it("defaults to 45 000 ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const release = deferred();
    class Slow extends Workflow {
      slow = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await release.promise;
        return new StopEvent({ result: "late" });
      });
    }
    const handler = new Slow().run();
    await vi.advanceTimersByTimeAsync(44_999);
    expect(handler.isDone()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(handler.isDone()).toBe(true);
    const error = await handler.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    expect((error as WorkflowTimeoutError).timeoutMs).toBe(45_000);
    release.resolve();
  });

  it.each([
    ["the workflow option", { timeout: null }, undefined],
    ["the run option", {}, { timeout: null }],
  ] as const)("is disabled by timeout: null in %s", async (_where, wfOptions, runOptions) => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const release = deferred();
    class Slow extends Workflow {
      slow = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await release.promise;
        return new StopEvent({ result: "eventually" });
      });
    }
    const handler = new Slow(wfOptions).run({}, runOptions);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(handler.isDone()).toBe(false);
    release.resolve();
    expect(await handler).toBe("eventually");
  });

  it("clears its timer when the run ends first", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    class Quick extends Workflow {
      quick = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        () => new StopEvent({ result: 1 }),
      );
    }
    expect(await new Quick({ timeout: 1_000 }).run()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("per-step timeout", () => {
  it("fails the attempt with StepTimeoutError, aborts its ctx.signal and fails the run", async () => {
    let reason: unknown;
    class Slow extends Workflow {
      slow = step({ accepts: [StartEvent], emits: [StopEvent], timeout: 30 }, async (_ev, ctx) => {
        try {
          return await untilAborted(ctx.signal);
        } finally {
          reason = ctx.signal.reason;
        }
      });
    }
    const handler = new Slow().run();
    const terminal: Event[] = [];
    const sub = handler.events$.subscribe((ev) => terminal.push(ev));
    const error = await handler.then(
      () => undefined,
      (e: unknown) => e,
    );
    sub.unsubscribe();
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).step).toBe("slow");
    expect((error as StepTimeoutError).timeoutMs).toBe(30);
    expect(reason).toBe(error);
    expect(terminal).toHaveLength(1);
    const failed = terminal[0] as WorkflowFailedEvent;
    expect(failed).toBeInstanceOf(WorkflowFailedEvent);
    expect(failed.step).toBe("slow");
    expect(failed.error).toBe(error);
    expect(failed.attempts).toBe(1);
  });

  it("is retryable, and drops whatever a timed-out attempt sends or returns later", async () => {
    class Late extends Event.define({ attempt: z.number() }) {}
    const lateSeen: number[] = [];
    const gates = [deferred(), deferred(), deferred()];
    const attemptStarted = [deferred(), deferred(), deferred()];
    const firstFinished = deferred();
    const signals: AbortSignal[] = [];
    class Retried extends Workflow {
      work = step(
        {
          accepts: [StartEvent],
          emits: [Late, StopEvent],
          timeout: 30,
          retry: { next: ({ attempt }) => (attempt < 3 ? 0 : null) },
        },
        async (_ev, ctx) => {
          const attempt = ctx.retry.attempt;
          signals.push(ctx.signal);
          attemptStarted[attempt - 1]!.resolve();
          if (attempt < 3) {
            // Ignores its signal on purpose: a step that does not cooperate.
            await gates[attempt - 1]!.promise;
            ctx.sendEvent(new Late({ attempt }));
            if (attempt === 1) firstFinished.resolve();
            return new Late({ attempt });
          }
          await gates[2]!.promise;
          return new StopEvent({ result: `attempt ${attempt}` });
        },
      );
      late = step({ accepts: [Late], emits: [] }, (ev) => {
        lateSeen.push(ev.attempt);
      });
    }
    const handler = new Retried().run();
    await attemptStarted[2]!.promise;
    gates[0]!.resolve();
    await firstFinished.promise;
    gates[2]!.resolve();
    expect(await handler).toBe("attempt 3");
    expect(lateSeen).toEqual([]);
    expect(signals.slice(0, 2).map((s) => s.aborted)).toEqual([true, true]);
    expect(signals[0]!.reason).toBeInstanceOf(StepTimeoutError);
    expect(signals[1]!.reason).toBeInstanceOf(StepTimeoutError);
    gates[1]!.resolve();
  });

  it("shows the StepTimeoutError on a ctx.signal first read after the attempt timed out", async () => {
    const release = deferred();
    const seen = deferred<unknown>();
    class Late extends Workflow {
      slow = step(
        {
          accepts: [StartEvent],
          emits: [StopEvent],
          timeout: 20,
          retry: { next: ({ attempt }) => (attempt < 2 ? 0 : null) },
        },
        async (_ev, ctx) => {
          if (ctx.retry.attempt === 1) {
            await release.promise;
            seen.resolve(ctx.signal.aborted ? ctx.signal.reason : "not aborted");
            return null;
          }
          return new StopEvent({ result: "retried" });
        },
      );
    }
    expect(await new Late().run()).toBe("retried");
    release.resolve();
    expect(await seen.promise).toBeInstanceOf(StepTimeoutError);
  });

  it("does not time out an attempt that finishes in time", async () => {
    class Fine extends Workflow {
      fine = step(
        { accepts: [StartEvent], emits: [StopEvent], timeout: 5_000 },
        async () => new StopEvent({ result: "in time" }),
      );
    }
    expect(await new Fine().run()).toBe("in time");
  });
});
