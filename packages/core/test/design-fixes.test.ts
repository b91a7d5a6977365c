/**
 * Behaviours DESIGN.md states that a conformance audit found unmet; each test failed before its
 * fix: services with disableValidation, a sent InputRequiredEvent no step takes, and the ctx of
 * an attempt that has completed while its run goes on (its stream, sends and signal).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  type UnhandledEvent,
  Workflow,
  type WorkflowHandler,
  WorkflowRuntimeError,
  WorkflowValidationError,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";

class Ping extends Event.define({ n: z.number() }) {}

async function drain(handler: WorkflowHandler): Promise<Event[]> {
  const events: Event[] = [];
  for await (const ev of handler.streamEvents()) events.push(ev);
  return events;
}

describe("DESIGN Validation: 'Validation (at run(), skippable with disableValidation)'", () => {
  it("skips the missing-service check with disableValidation (as Python's _validate does)", async () => {
    class NeedsService extends Workflow {
      go = step(
        { accepts: [StartEvent], emits: [StopEvent], services: ["broker"] },
        () => new StopEvent({ result: "ran" }),
      );
    }
    // Control: with validation on, the missing service is reported.
    expect(() => new NeedsService().run()).toThrow(WorkflowValidationError);
    let handler: WorkflowHandler | undefined;
    expect(() => (handler = new NeedsService({ disableValidation: true }).run())).not.toThrow();
    expect(await handler).toBe("ran");
  });
});

describe("DESIGN Execution model: 'An event that no step accepts is not silently dropped: it is reported (verbose log and an entry on handler.unhandled$)'", () => {
  it("reports an InputRequiredEvent sent with ctx.sendEvent that no step accepts", async () => {
    class Asks extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [InputRequiredEvent] }, (_ev, ctx) => {
        ctx.sendEvent(new InputRequiredEvent({ prompt: "go?" }));
      });
      answer = step(
        { accepts: [HumanResponseEvent], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev["answer"] }),
      );
    }
    const lines: string[] = [];
    const handler = new Asks({ timeout: 200, verbose: true, logger: (l) => lines.push(l) }).run();
    const unhandled: UnhandledEvent[] = [];
    handler.unhandled$.subscribe((u) => {
      unhandled.push(u);
      handler.sendEvent(new HumanResponseEvent({ answer: "yes" }));
    });
    const events = await drain(handler);
    expect(unhandled.map((u) => u.event.constructor)).toEqual([InputRequiredEvent]);
    expect(lines).toContain("Unhandled event: no step accepts InputRequiredEvent");
    expect(await handler).toBe("yes");
    expect(events.at(-1)).toBeInstanceOf(StopEvent);
  });
});

describe("DESIGN Context: 'ctx.writeEventToStream(ev): to the caller's stream, in call order' / 'ctx.sendEvent(ev): broadcast to every step that accepts ev's class'", () => {
  it("does not silently drop what a step's ctx writes or sends after its attempt completed, while the run goes on", async () => {
    class Note extends Event.define({ n: z.number() }) {}
    class Next extends Event.define({}) {}
    const finishReached = deferred();
    const gate = deferred();
    let kept: Context | undefined;
    const pinged: number[] = [];
    class Background extends Workflow {
      // A step that hands its ctx to work that outlives it (its ctx.signal stays live).
      start = step({ accepts: [StartEvent], emits: [Next, Ping] }, (_ev, ctx) => {
        kept = ctx;
        return new Next({});
      });
      finish = step({ accepts: [Next], emits: [StopEvent] }, async () => {
        finishReached.resolve();
        await gate.promise;
        return new StopEvent({ result: "done" });
      });
      ping = step({ accepts: [Ping], emits: [] }, (ev) => {
        pinged.push(ev.n);
      });
    }
    const handler = new Background().run();
    const stream = drain(handler);
    await finishReached.promise; // start's attempt has completed; the run is still going
    kept!.writeEventToStream(new Note({ n: 1 }));
    let sendError: unknown;
    try {
      kept!.sendEvent(new Ping({ n: 2 }));
    } catch (e) {
      sendError = e;
    }
    gate.resolve();
    expect(await handler).toBe("done");
    const names = (await stream).map((e) =>
      e instanceof Note ? `Note${e.n}` : e.constructor.name,
    );
    expect(names).toEqual(["Note1", "StopEvent"]);
    // Delivered, or at least refused loudly.
    expect(pinged.length === 1 || sendError instanceof WorkflowRuntimeError).toBe(true);
  });
});

describe("DESIGN Context: 'ctx.signal: an AbortSignal aborted when the attempt times out, or the run ends, fails, times out or is cancelled'", () => {
  it("leaves the signal of a completed attempt unaborted while the run goes on, even when first read after the attempt", async () => {
    class Next extends Event.define({}) {}
    const finishReached = deferred();
    const gate = deferred();
    let kept: Context | undefined;
    class Background extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Next] }, (_ev, ctx) => {
        kept = ctx; // ctx.signal is not read here, only later by work that outlives the step
        return new Next({});
      });
      finish = step({ accepts: [Next], emits: [StopEvent] }, async () => {
        finishReached.resolve();
        await gate.promise;
        return new StopEvent({ result: "done" });
      });
    }
    const handler = new Background().run();
    await finishReached.promise; // the run is still going: nothing timed out, failed or was cancelled
    const signal = kept!.signal;
    // (Read during the attempt instead, the same signal stays unaborted: lifecycle-cancel.test.ts.)
    expect(signal.aborted).toBe(false);
    gate.resolve();
    expect(await handler).toBe("done");
    expect(signal.aborted).toBe(true);
  });
});

describe("step names", () => {
  it("may be `plan`: the workflow's internal plan is keyed by a symbol, not a name", async () => {
    class Planner extends Workflow {
      plan = step({ accepts: [StartEvent], emits: [Ping] }, () => new Ping({ n: 1 }));
      act = step({ accepts: [Ping], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.n }));
    }
    const handler = new Planner().run();
    expect(await handler).toBe(1);
    expect(handler.history.map((r) => r.step)).toEqual(["plan", "act"]);
  });
});
