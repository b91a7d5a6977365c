// DESIGN "Plugins" / @eventloom/services, checked through the package's public entry:
// `addWorkflows(workflow, { name: instance })`; steps declare `services: ["name"]` and get them
// injected; a nested run inherits the parent's trace, cancellation and deadline, and can forward
// its stream into the parent's; `bridge(from, to, [Types])` delivers one running workflow's
// events into another.
//
// No OpenTelemetry context manager is registered in this file on purpose: a nested run must
// join the parent's trace without one.
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import {
  type Context,
  Event,
  HumanResponseEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowFailedEvent,
  type WorkflowHandler,
  WorkflowTimeoutError,
  step,
} from "@eventloom/core";
import { addWorkflows, bridge, runNested } from "@eventloom/services";
import { collect, deferred, settle } from "./fixtures/control.js";

class Never extends Event.define({}, { name: "Never" }) {}
class Note extends Event.define({ text: z.string() }) {}

/** A child run that never ends by itself; `started` resolves once its step is running. */
class Forever extends Workflow {
  readonly started = deferred();
  wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    this.started.resolve();
    await ctx.waitForEvent(Never);
    return new StopEvent({ result: "never" });
  });
}

/** Returns its start event's `x`, tagged with its label. */
class Echo extends Workflow {
  constructor(readonly label: string) {
    super();
  }
  echo = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    (ev) => new StopEvent({ result: `${this.label}:${String(ev["x"])}` }),
  );
}

describe("addWorkflows(workflow, { name: instance }) and services: [name]", () => {
  it("returns the workflow, and gives each step exactly the instances it lists, as its third argument", async () => {
    const seen: Record<string, Record<string, unknown>> = {};
    class Desk extends Workflow {
      first = step(
        { accepts: [StartEvent], emits: [Note], services: ["left"] },
        (_ev, _ctx, services) => {
          seen["first"] = { ...services };
          return new Note({ text: "next" });
        },
      );
      second = step(
        { accepts: [Note], emits: [StopEvent], services: ["left", "right"] },
        (_ev, _ctx, services) => {
          seen["second"] = { ...services };
          return new StopEvent({ result: "ok" });
        },
      );
    }
    const left = new Echo("L");
    const right = new Echo("R");
    const desk = new Desk();
    expect(addWorkflows(desk, { left, right })).toBe(desk);
    expect(await desk.run()).toBe("ok");
    // Exactly the listed services, each the registered instance as the step sees it: its
    // class, its fields and its methods (a view whose run() starts a nested run of the step).
    expect(Object.keys(seen["first"]!)).toEqual(["left"]);
    expect(Object.keys(seen["second"]!)).toEqual(["left", "right"]);
    for (const [s, name, instance] of [
      ["first", "left", left],
      ["second", "left", left],
      ["second", "right", right],
    ] as const) {
      const injected = seen[s]![name] as Echo;
      expect(injected).toBeInstanceOf(Echo);
      expect(injected.label).toBe(instance.label);
      expect(injected.workflowName).toBe("Echo");
      expect(injected.services).toBe(instance.services);
    }
  });

  it("injects services into decorated methods and addStep steps too, and the nested runs return their results", async () => {
    class Decorated extends Workflow {
      @step({ accepts: [StartEvent], emits: [StopEvent], services: ["echo"] })
      async call(_ev: StartEvent, ctx: Context, services: Record<string, unknown>) {
        return new StopEvent({ result: await runNested(ctx, services["echo"] as Echo, { x: 1 }) });
      }
    }
    class Unbound extends Workflow {}
    Unbound.addStep(
      step(
        { name: "call", accepts: [StartEvent], emits: [StopEvent], services: ["echo"] },
        async (_ev, ctx, services) =>
          new StopEvent({ result: await runNested(ctx, services["echo"] as Echo, { x: 2 }) }),
      ),
    );
    expect(await addWorkflows(new Decorated(), { echo: new Echo("D") }).run()).toBe("D:1");
    expect(await addWorkflows(new Unbound(), { echo: new Echo("U") }).run()).toBe("U:2");
  });
});

describe("a nested run inherits the parent's trace", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("design-conformance");
  afterAll(() => provider.shutdown());

  it("makes the child's run span a child of the calling step's span, in one trace, with no context manager", async () => {
    class Station extends Workflow {
      static override workflowName = "Station";
      trade = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return new StopEvent({ result: `traded ${String(ev["stock"])}` });
      });
    }
    class Monitor extends Workflow {
      static override workflowName = "Monitor";
      order = step(
        { accepts: [StartEvent], emits: [StopEvent], services: ["station"] },
        async (_ev, ctx, services) => {
          await new Promise((resolve) => setTimeout(resolve, 1)); // any async context is gone
          const done = await runNested(ctx, services["station"] as Station, { stock: "NVDA" });
          return new StopEvent({ result: done });
        },
      );
    }
    exporter.reset();
    const monitor = addWorkflows(new Monitor({ tracer }), { station: new Station({ tracer }) });
    expect(await monitor.run()).toBe("traded NVDA");

    const spans = exporter.getFinishedSpans();
    const one = (name: string): ReadableSpan => {
      const found = spans.filter((s) => s.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const id = (s: ReadableSpan) => s.spanContext().spanId;
    const monitorRun = one("invoke_workflow Monitor");
    const order = one("step order");
    const stationRun = one("invoke_workflow Station");
    const trade = one("step trade");
    expect(monitorRun.parentSpanContext?.spanId).toBeUndefined();
    expect(order.parentSpanContext?.spanId).toBe(id(monitorRun));
    expect(stationRun.parentSpanContext?.spanId).toBe(id(order));
    expect(trade.parentSpanContext?.spanId).toBe(id(stationRun));
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(stationRun.attributes["gen_ai.workflow.name"]).toBe("Station");
  });
});

/** A parent whose `call` step runs the "child" service nested and exposes the child's handler. */
function callerOf(child: Workflow, options: { timeout?: number | null; stepTimeout?: number }) {
  const childStarted = deferred();
  const state: { child: WorkflowHandler<unknown> | undefined } = { child: undefined };
  class Caller extends Workflow {
    call = step(
      {
        accepts: [StartEvent],
        emits: [StopEvent],
        services: ["child"],
        ...(options.stepTimeout === undefined ? {} : { timeout: options.stepTimeout }),
      },
      async (_ev, ctx, services) => {
        state.child = runNested(ctx, services["child"] as Workflow, {});
        childStarted.resolve();
        return new StopEvent({ result: await state.child });
      },
    );
  }
  const parent = addWorkflows(new Caller({ timeout: options.timeout ?? 10_000 }), { child });
  return { parent, childStarted: childStarted.promise, state };
}

describe("a nested run inherits the parent's cancellation", () => {
  it("is cancelled when the calling step's attempt times out; the parent fails with StepTimeoutError", async () => {
    const { parent, state } = callerOf(new Forever({ timeout: null }), { stepTimeout: 50 });
    const outcome = await settle(parent.run(), 0);
    expect(outcome.error).toBeInstanceOf(StepTimeoutError);
    const child = await settle(state.child!, 0);
    expect(child.error).toBeInstanceOf(WorkflowCancelledError);
    expect((child.error as Error).cause).toBe(outcome.error);
    expect(state.child!.status).toBe("cancelled");
  });

  it("is cancelled when another step fails the parent, with the parent's error as cause", async () => {
    class Boom extends Event.define({}, { name: "Boom" }) {}
    class LedgerError extends Error {}
    const forever = new Forever({ timeout: null });
    let child: WorkflowHandler<unknown> | undefined;
    class Parent extends Workflow {
      call = step(
        { accepts: [StartEvent], emits: [StopEvent, Boom], services: ["child"] },
        async (_ev, ctx, services) => {
          child = runNested(ctx, services["child"] as Workflow, {});
          await forever.started.promise;
          ctx.sendEvent(new Boom({}));
          return new StopEvent({ result: await child });
        },
      );
      ledger = step({ accepts: [Boom], emits: [] }, () => {
        throw new LedgerError("ledger down");
      });
    }
    const handler = addWorkflows(new Parent(), { child: forever }).run();
    const stream = collect(handler.streamEvents());
    const outcome = await settle(handler, 0);
    expect(outcome.error).toBeInstanceOf(LedgerError);
    expect((await stream).at(-1)).toBeInstanceOf(WorkflowFailedEvent);
    const childOutcome = await settle(child!, 0);
    expect(childOutcome.error).toBeInstanceOf(WorkflowCancelledError);
    expect((childOutcome.error as Error).cause).toBe(outcome.error);
  });

  it("is cancelled when the parent run stops while the child still runs", async () => {
    const forever = new Forever({ timeout: null });
    let child: WorkflowHandler<unknown> | undefined;
    class FireAndForget extends Workflow {
      call = step(
        { accepts: [StartEvent], emits: [StopEvent], services: ["child"] },
        async (_ev, ctx, services) => {
          child = runNested(ctx, services["child"] as Workflow, {});
          await forever.started.promise;
          return new StopEvent({ result: "parent done" });
        },
      );
    }
    expect(await addWorkflows(new FireAndForget(), { child: forever }).run()).toBe("parent done");
    const childOutcome = await settle(child!, 0);
    expect(childOutcome.error).toBeInstanceOf(WorkflowCancelledError);
    expect(child!.status).toBe("cancelled");
  });
});

describe("a nested run inherits the parent's deadline", () => {
  it("ends at the parent's deadline even when its own timeout is longer", async () => {
    const { parent, childStarted, state } = callerOf(new Forever({ timeout: 10_000 }), {
      timeout: 150,
    });
    const start = performance.now();
    const handler = parent.run();
    await childStarted;
    const [p, c] = await Promise.all([settle(handler, start), settle(state.child!, start)]);
    expect(p.error).toBeInstanceOf(WorkflowTimeoutError);
    expect(c.error).toBeInstanceOf(WorkflowCancelledError);
    expect((c.error as Error).cause).toBe(p.error);
    expect(c.ms).toBeGreaterThanOrEqual(140);
    expect(c.ms).toBeLessThan(3_000);
  });
});

describe("a nested run can forward its stream into the parent's", () => {
  it("puts the child's events into the parent's stream where they happen, between the parent's own, in both views", async () => {
    const childNotes: Note[] = [];
    class Child extends Workflow {
      talk = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        for (const text of ["child 1", "child 2"]) {
          const note = new Note({ text });
          childNotes.push(note);
          ctx.writeEventToStream(note);
        }
        return new StopEvent({ result: "child result" });
      });
    }
    class Parent extends Workflow {
      call = step(
        { accepts: [StartEvent], emits: [StopEvent], services: ["child"] },
        async (_ev, ctx, services) => {
          ctx.writeEventToStream(new Note({ text: "before" }));
          const r = await runNested(ctx, services["child"] as Child, {}, { forwardStream: true });
          ctx.writeEventToStream(new Note({ text: "after" }));
          return new StopEvent({ result: r });
        },
      );
    }
    const handler = addWorkflows(new Parent(), { child: new Child() }).run();
    const viaRx: Event[] = [];
    handler.events$.subscribe((e) => viaRx.push(e));
    const viaIterator = collect(handler.streamEvents());
    expect(await handler).toBe("child result");
    const label = (e: Event) => (e instanceof Note ? e.text : e.constructor.name);
    for (const events of [await viaIterator, viaRx]) {
      expect(events.map(label)).toEqual(["before", "child 1", "child 2", "after", "StopEvent"]);
      expect(events.slice(1, 3)).toEqual(childNotes);
      expect(events[1]).toBe(childNotes[0]);
    }
  });
});

describe("bridge(from, to, [Types])", () => {
  it("delivers every event of the listed types into the other run, in the order they were produced, and nothing else", async () => {
    class Bid extends HumanResponseEvent.define({ price: z.number() }) {}
    class Ask extends HumanResponseEvent.define({ price: z.number() }) {}
    class Chatter extends HumanResponseEvent.define({ text: z.string() }) {}
    class Market extends Workflow {
      open = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        ctx.writeEventToStream(new Bid({ price: 1 }));
        ctx.writeEventToStream(new Chatter({ text: "not for the book" }));
        ctx.writeEventToStream(new Ask({ price: 2 }));
        ctx.writeEventToStream(new Bid({ price: 3 }));
        return new StopEvent({ result: "closed" });
      });
    }
    class Book extends Workflow {
      open = step({ accepts: [StartEvent], emits: [] }, () => undefined);
      record = step(
        { accepts: [Bid, Ask, Chatter], emits: [StopEvent], numWorkers: 1 },
        async (ev, ctx) => {
          const entries = [...(await ctx.store.get("entries", [] as string[])), label(ev)];
          await ctx.store.set("entries", entries);
          return entries.length === 3 ? new StopEvent({ result: entries }) : null;
        },
      );
    }
    const label = (ev: Event) =>
      `${ev.constructor.name} ${ev instanceof Chatter ? ev.text : (ev as Bid).price}`;

    const book = new Book({ timeout: 10_000 }).run();
    const market = new Market().run();
    const handle = bridge(market, book, [Bid, Ask]);
    expect(await market).toBe("closed");
    expect(await book).toEqual(["Bid 1", "Ask 2", "Bid 3"]);
    expect(handle.delivered).toBe(3);
    expect(handle.closed).toBe(true);
  });
});
