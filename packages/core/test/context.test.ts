import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  type UnhandledEvent,
  Workflow,
  WorkflowFailedEvent,
  WorkflowRuntimeError,
  eventTypeName,
  step,
} from "../src/index.js";

class Job extends Event.define({ id: z.number() }) {}
class Result extends Event.define({ by: z.string(), id: z.number() }) {}
class Orphan extends Event.define({ note: z.string() }) {}

describe("ctx.sendEvent", () => {
  class Fanout extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
      ctx.sendEvent(new Job({ id: 1 }));
    });
    left = step({ accepts: [Job], emits: [Result] }, (ev) => new Result({ by: "left", id: ev.id }));
    right = step(
      { accepts: [Job], emits: [Result] },
      (ev) => new Result({ by: "right", id: ev.id }),
    );
    collect = step({ accepts: [Result], emits: [StopEvent] }, (ev, ctx) => {
      const all = ctx.collectEvents(ev, Result, { count: 2 });
      return all === null ? null : new StopEvent({ result: all.map((r) => r.by).sort() });
    });
  }

  it("broadcasts to every step that accepts the event's class", async () => {
    expect(await new Fanout().run()).toEqual(["left", "right"]);
  });

  it("delivers to the one named step with { step }", async () => {
    class Targeted extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        ctx.sendEvent(new Job({ id: 7 }), { step: "right" });
      });
      left = step({ accepts: [Job], emits: [StopEvent] }, () => new StopEvent({ result: "left" }));
      right = step({ accepts: [Job], emits: [StopEvent] }, (ev) => {
        return new StopEvent({ result: `right got ${ev.id}` });
      });
    }
    const handler = new Targeted().run();
    expect(await handler).toBe("right got 7");
    expect(handler.history.map((r) => r.step)).toEqual(["start", "right"]);
  });

  it("ends the run with a StopEvent sent like a returned one", async () => {
    class SendsStop extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        ctx.sendEvent(new StopEvent({ result: "sent" }));
      });
    }
    expect(await new SendsStop().run()).toBe("sent");
  });
});

describe("verbose mode", () => {
  it("logs each step run and what it produced to the logger", async () => {
    class Chatty extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, () => new Job({ id: 1 }));
      audit = step({ accepts: [Job], emits: [] }, () => null);
      job = step({ accepts: [Job], emits: [StopEvent] }, () => new StopEvent({ result: "ok" }));
    }
    const lines: string[] = [];
    expect(await new Chatty({ verbose: true, logger: (l) => lines.push(l) }).run()).toBe("ok");
    expect(lines).toEqual([
      "Running step start",
      "Step start produced event Job",
      "Running step audit",
      "Running step job",
      "Step audit produced no event",
      "Step job produced event StopEvent",
    ]);
  });

  it("logs nothing when verbose is off", async () => {
    class Quiet extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent());
    }
    const lines: string[] = [];
    await new Quiet({ logger: (l) => lines.push(l) }).run();
    expect(lines).toEqual([]);
  });
});

describe("unhandled events", () => {
  class Drops extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Orphan, Job] }, (_ev, ctx) => {
      ctx.sendEvent(new Orphan({ note: "nobody listens" }));
      return new Job({ id: 1 });
    });
    job = step({ accepts: [Job], emits: [StopEvent] }, () => new StopEvent({ result: "done" }));
  }

  it("reports an event no step accepts on unhandled$ (with validation disabled)", async () => {
    const handler = new Drops({ disableValidation: true }).run();
    const unhandled: UnhandledEvent[] = [];
    let completed = false;
    handler.unhandled$.subscribe({
      next: (u) => unhandled.push(u),
      complete: () => (completed = true),
    });
    expect(await handler).toBe("done");
    expect(unhandled).toHaveLength(1);
    expect(unhandled[0]!.event).toBeInstanceOf(Orphan);
    expect(unhandled[0]!.reason).toBe("no step accepts Orphan");
    expect(completed).toBe(true);
  });

  it("logs it in verbose mode", async () => {
    const lines: string[] = [];
    const wf = new Drops({ disableValidation: true, verbose: true, logger: (l) => lines.push(l) });
    await wf.run();
    expect(lines).toContain("Unhandled event: no step accepts Orphan");
  });

  it("is rejected up front by validation when validation is on", () => {
    expect(() => new Drops().run()).toThrow(
      /Event Orphan is emitted by start but no step accepts it/,
    );
  });
});

describe("ending a run", () => {
  it("lets the first StopEvent win; later ones are ignored", async () => {
    class Race extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        ctx.sendEvent(new Job({ id: 1 }));
        ctx.sendEvent(new Job({ id: 2 }));
      });
      job = step({ accepts: [Job], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.id }));
    }
    const handler = new Race().run();
    const stops: unknown[] = [];
    for await (const ev of handler.streamEvents())
      if (ev instanceof StopEvent) stops.push(ev.result);
    expect(await handler).toBe(1);
    expect(stops).toEqual([1]);
  });

  it("rejects with the step's own error, unwrapped, and streams WorkflowFailedEvent", async () => {
    class MyError extends Error {
      readonly code = "E_MINE";
    }
    const thrown = new MyError("broker unreachable");
    class Fails extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, () => new Job({ id: 1 }));
      job = step({ accepts: [Job], emits: [StopEvent] }, async () => {
        throw thrown;
      });
    }
    const handler = new Fails().run();
    const stream: Event[] = [];
    for await (const ev of handler.streamEvents()) stream.push(ev);
    const error = await handler.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MyError);
    expect(error).toBe(thrown);
    expect(stream).toHaveLength(1);
    expect(stream[0]).toBeInstanceOf(WorkflowFailedEvent);
    expect(stream[0]).toMatchObject({ step: "job", error: thrown, attempts: 1 });
    await expect(handler.result).rejects.toBe(thrown);
  });

  it("wraps a thrown non-Error value in a WorkflowRuntimeError naming the step (value as cause)", async () => {
    class ThrowsString extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        throw "plain string";
      });
    }
    const error = await new ThrowsString().run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowRuntimeError);
    expect((error as Error).message).toContain("Step start threw string");
    expect((error as Error).cause).toBe("plain string");
  });

  it("throws WorkflowRuntimeError from handler.sendEvent after the run has ended", async () => {
    class Short extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent());
      job = step({ accepts: [Job], emits: [StopEvent] }, () => new StopEvent());
    }
    const handler = new Short({ disableValidation: true }).run();
    await handler;
    expect(handler.isDone()).toBe(true);
    const late = () => handler.sendEvent(new Job({ id: 1 }));
    expect(late).toThrow(WorkflowRuntimeError);
    expect(late).toThrow(
      new RegExp(
        `Cannot send Job: run ${handler.runId} of Short has already ended \\(completed\\)`,
      ),
    );
  });

  it("queues handler.sendEvent events sent before the start event is processed behind it", async () => {
    class Order extends Workflow {
      start = step({ accepts: [StartEvent], emits: [] }, async (_ev, ctx) => {
        await ctx.store.set("first", "start");
      });
      job = step({ accepts: [Job], emits: [StopEvent] }, async (_ev, ctx) => {
        return new StopEvent({ result: await ctx.store.get("first", "job came first") });
      });
    }
    const handler = new Order({ disableValidation: true }).run();
    handler.sendEvent(new Job({ id: 1 }));
    expect(await handler).toBe("start");
  });
});

describe("the caller's context (handler.ctx)", () => {
  it("writes to the stream and shares the runId", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    class Waits extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await gate;
        return new StopEvent({ result: ctx.runId });
      });
    }
    const handler = new Waits().run();
    handler.ctx.writeEventToStream(new Job({ id: 9 }));
    release();
    const streamed: string[] = [];
    for await (const ev of handler.streamEvents())
      streamed.push(eventTypeName(ev.constructor as typeof Event));
    expect(streamed).toEqual(["Job", "StopEvent"]);
    expect(await handler).toBe(handler.runId);
    expect(handler.ctx.runId).toBe(handler.runId);
  });

  it("throws WorkflowRuntimeError for collectEvents and waitForEvent, which belong inside a step", async () => {
    class Idle extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent());
    }
    const handler = new Idle().run();
    expect(() => handler.ctx.collectEvents(new Job({ id: 1 }), [Job])).toThrow(
      "collectEvents belongs inside a step: call it on the step's ctx, not on handler.ctx",
    );
    expect(() => handler.ctx.waitForEvent(Job)).toThrow(WorkflowRuntimeError);
    await handler;
  });
});
