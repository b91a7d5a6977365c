import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  EventValidationError,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  type WorkflowHandler,
  WorkflowValidationError,
  step,
} from "../src/index.js";

class Work extends Event.define({ id: z.number() }) {}
class Orphan extends Event.define({ id: z.number() }) {}
class TypedStart extends StartEvent.define({ n: z.number() }) {}

/** How many timers the process holds (Node's own count, not Eventloom's). */
const activeTimers = () =>
  process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "Immediate").length;

/** Resolves when `signal` aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

/**
 * Runs a workflow with every consumer attached (events$, streamEvents(), unhandled$), lets it
 * settle, and reports what is still held afterwards.
 */
async function settle(handler: WorkflowHandler) {
  let streamCompleted = false;
  let unhandledCompleted = false;
  const subscription = handler.events$.subscribe({ complete: () => (streamCompleted = true) });
  const unhandled = handler.unhandled$.subscribe({ complete: () => (unhandledCompleted = true) });
  const iterated: Event[] = [];
  const iteration = (async () => {
    for await (const ev of handler.streamEvents()) iterated.push(ev);
  })();
  const outcome = await handler.then(
    () => "resolved",
    () => "rejected",
  );
  await iteration; // the async iteration ends too: the stream never hangs
  return {
    outcome,
    streamCompleted,
    unhandledCompleted,
    subscriptionsClosed: subscription.closed && unhandled.closed,
    terminal: iterated.at(-1),
  };
}

describe("a run releases everything it holds", () => {
  it("after a normal stop, with a sibling step still running under a step timeout", async () => {
    const before = activeTimers();
    let siblingAborted = false;
    class Normal extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Work] }, (_ev, ctx) => {
        ctx.sendEvent(new Work({ id: 1 }));
        ctx.sendEvent(new Work({ id: 2 }));
      });
      work = step({ accepts: [Work], emits: [StopEvent], timeout: 60_000 }, async (ev, ctx) => {
        if (ev.id === 1) return new StopEvent({ result: "done" });
        await aborted(ctx.signal); // still running when the run ends
        siblingAborted = true;
        return null;
      });
    }
    const handler = new Normal({ timeout: 60_000 }).run();
    expect(activeTimers()).toBeGreaterThan(before); // the run timer, at least
    const result = await settle(handler);
    expect(result).toMatchObject({
      outcome: "resolved",
      streamCompleted: true,
      unhandledCompleted: true,
      subscriptionsClosed: true,
    });
    expect(result.terminal).toBeInstanceOf(StopEvent);
    expect(activeTimers()).toBe(before);
    await Promise.resolve();
    expect(siblingAborted).toBe(true);
  });

  it("after a failing step, with other steps in flight and a retry waiting", async () => {
    const before = activeTimers();
    class Failing extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Work] }, (_ev, ctx) => {
        ctx.sendEvent(new Work({ id: 1 }));
        ctx.sendEvent(new Work({ id: 2 }));
        ctx.sendEvent(new Work({ id: 3 }));
      });
      work = step(
        {
          accepts: [Work],
          emits: [StopEvent],
          timeout: 60_000,
          retry: { next: ({ error }) => ((error as Error).message === "flaky" ? 60_000 : null) },
        },
        async (ev, ctx) => {
          if (ev.id === 1) throw new Error("flaky"); // retried in a minute: a pending timer
          if (ev.id === 2) {
            await Promise.resolve();
            throw new Error("broken");
          }
          await aborted(ctx.signal);
          return null;
        },
      );
    }
    const handler = new Failing({ timeout: 60_000 }).run();
    const result = await settle(handler);
    expect(result).toMatchObject({
      outcome: "rejected",
      streamCompleted: true,
      unhandledCompleted: true,
      subscriptionsClosed: true,
    });
    expect(result.terminal).toBeInstanceOf(WorkflowFailedEvent);
    expect(activeTimers()).toBe(before);
  });

  it("after reporting unhandled events (validation disabled)", async () => {
    const before = activeTimers();
    class Drops extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Orphan, StopEvent] }, (_ev, ctx) => {
        ctx.sendEvent(new Orphan({ id: 1 }));
        return new StopEvent();
      });
    }
    const result = await settle(new Drops({ disableValidation: true }).run());
    expect(result).toMatchObject({ outcome: "resolved", unhandledCompleted: true });
    expect(activeTimers()).toBe(before);
  });

  it("when run() throws a validation error: no run starts, nothing is held", () => {
    const before = activeTimers();
    class Invalid extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent, Orphan] }, () => new StopEvent());
    }
    expect(() => new Invalid({ timeout: 60_000 }).run()).toThrow(WorkflowValidationError);
    expect(activeTimers()).toBe(before);
  });

  it("when run() throws for invalid input: nothing is held", () => {
    const before = activeTimers();
    class Typed extends Workflow {
      start = step({ accepts: [TypedStart], emits: [StopEvent] }, () => new StopEvent());
    }
    expect(() => new Typed({ timeout: 60_000 }).run({ n: "x" } as never)).toThrow(
      EventValidationError,
    );
    expect(activeTimers()).toBe(before);
  });

  it("after many runs of one instance, holds no more than before", async () => {
    const before = activeTimers();
    class Quick extends Workflow {
      start = step(
        { accepts: [StartEvent], emits: [Work] },
        (ev) => new Work({ id: Number(ev["i"]) }),
      );
      work = step(
        { accepts: [Work], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.id }),
      );
    }
    const wf = new Quick();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => wf.run({ i })));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(activeTimers()).toBe(before);
  });
});
