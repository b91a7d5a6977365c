import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "../src/index.js";
import { deferred } from "./support/control.js";
import {
  type TraceHarness,
  linkedIds,
  parentId,
  settle,
  spanId,
  traceHarness,
  traceId,
  checkTracesAfterEach,
} from "./support/tracing.js";

let otel: TraceHarness;
checkTracesAfterEach(() => otel);

/** Runs to completion and checks that the whole trace had ended when the handler settled. */
async function traced<T>(handler: PromiseLike<T> & { readonly runId: string }): Promise<T> {
  const outcome = await settle(handler, otel.counter);
  expect(outcome.openAtSettle).toBe(0);
  if ("error" in outcome) throw outcome.error;
  return outcome.value as T;
}

// --- a chain ---------------------------------------------------------------------------------

class Middle extends Event.define({ text: z.string() }) {}

class Chain extends Workflow {
  static override workflowName = "ChainFlow";
  first = step(
    { accepts: [StartEvent], emits: [Middle] },
    (ev) => new Middle({ text: String(ev["text"]) }),
  );
  second = step(
    { accepts: [Middle], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev.text.toUpperCase() }),
  );
}

describe("a chain", () => {
  it("makes one run span with a step span per invocation under it, linked producer to consumer", async () => {
    otel = traceHarness();
    const handler = new Chain({ tracer: otel.tracer }).run({ text: "hi" });
    expect(await traced(handler)).toBe("HI");

    const run = otel.one("invoke_workflow ChainFlow");
    const first = otel.one("step first");
    const second = otel.one("step second");
    expect(otel.spans()).toHaveLength(3);

    expect(parentId(run)).toBeUndefined();
    expect(run.kind).toBe(SpanKind.INTERNAL);
    expect(run.attributes).toEqual({
      "gen_ai.operation.name": "invoke_workflow",
      "gen_ai.workflow.name": "ChainFlow",
      "eventloom.run.id": handler.runId,
      "eventloom.run.status": "completed",
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);

    for (const s of [first, second]) {
      expect(parentId(s)).toBe(spanId(run));
      expect(traceId(s)).toBe(traceId(run));
      expect(s.kind).toBe(SpanKind.INTERNAL);
      expect(s.status.code).toBe(SpanStatusCode.UNSET);
      expect(s.events).toEqual([]);
    }
    expect(first.attributes).toEqual({
      "eventloom.step.name": "first",
      "eventloom.step.attempt": 1,
      "eventloom.step.worker": 0,
      "eventloom.event.type": "StartEvent",
    });
    expect(second.attributes).toEqual({
      "eventloom.step.name": "second",
      "eventloom.step.attempt": 1,
      "eventloom.step.worker": 0,
      "eventloom.event.type": "Middle",
    });
    // The start event has no producer; Middle's producer is the first step.
    expect(first.links).toEqual([]);
    expect(linkedIds(second)).toEqual([spanId(first)]);
    expect(second.links[0]!.context.traceId).toBe(traceId(first));
  });

  it("names the run span after the class when no workflowName is declared", async () => {
    otel = traceHarness();
    class Plain extends Workflow {
      only = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({}));
    }
    await traced(new Plain({ tracer: otel.tracer }).run());
    const run = otel.one("invoke_workflow Plain");
    expect(run.attributes["gen_ai.workflow.name"]).toBe("Plain");
  });

  it("carries the producer's span context beside the event, never in its fields", async () => {
    otel = traceHarness();
    const handler = new Chain({ tracer: otel.tracer }).run({ text: "x" });
    await traced(handler);
    const produced = handler.history[0]!.output[0]!;
    expect(produced).toBeInstanceOf(Middle);
    expect(Object.keys(produced)).toEqual(["text"]);
    expect(produced.toJSON()).toEqual({ type: "Middle", data: { text: "x" } });
    expect(JSON.stringify(produced)).toBe('{"type":"Middle","data":{"text":"x"}}');
  });
});

// --- fan-out and fan-in ----------------------------------------------------------------------

class Job extends Event.define({ i: z.number() }) {}
class Done extends Event.define({ i: z.number() }) {}

class FanOut extends Workflow {
  static override workflowName = "FanOut";
  start = step({ accepts: [StartEvent], emits: [Job] }, (ev, ctx) => {
    for (let i = 0; i < Number(ev["n"]); i++) ctx.sendEvent(new Job({ i }));
  });
  work = step({ accepts: [Job], emits: [Done] }, (ev) => new Done({ i: ev.i }));
  gather = step({ accepts: [Done], emits: [StopEvent] }, (ev, ctx) => {
    const all = ctx.collectEvents(ev, Done, { count: 4 });
    return all === null ? null : new StopEvent({ result: all.map((d) => d.i) });
  });
}

describe("fan-out and fan-in", () => {
  it("links the collecting step's span once to each collected event's producer", async () => {
    otel = traceHarness();
    const result = await traced(new FanOut({ tracer: otel.tracer }).run({ n: 4 }));
    expect([...(result as number[])].sort()).toEqual([0, 1, 2, 3]);

    const run = otel.one("invoke_workflow FanOut");
    const start = otel.one("step start");
    const works = otel.named("step work");
    const gathers = otel.named("step gather");
    expect(works).toHaveLength(4);
    expect(gathers).toHaveLength(4);
    for (const s of [start, ...works, ...gathers]) expect(parentId(s)).toBe(spanId(run));

    // Every Job was sent by the start step.
    for (const w of works) expect(linkedIds(w)).toEqual([spanId(start)]);

    // Three gather invocations buffered their input; the fourth collected all four Done events.
    const collecting = gathers.filter((g) => g.links.length > 1);
    expect(collecting).toHaveLength(1);
    const links = linkedIds(collecting[0]!);
    expect(links).toHaveLength(4);
    expect(new Set(links)).toEqual(new Set(works.map(spanId)));
    for (const g of gathers.filter((g) => g !== collecting[0]))
      expect(linkedIds(g)).toHaveLength(1);
  });

  it("links a list-form collection to the producer of each expected class", async () => {
    otel = traceHarness();
    class Left extends Event.define({ v: z.string() }) {}
    class Right extends Event.define({ v: z.string() }) {}
    class Seed extends Event.define({}) {}
    class Pair extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Left, Seed] }, (_ev, ctx) => {
        ctx.sendEvent(new Seed({}));
        ctx.sendEvent(new Left({ v: "l" }));
      });
      right = step({ accepts: [Seed], emits: [Right] }, () => new Right({ v: "r" }));
      join = step({ accepts: [Left, Right], emits: [StopEvent] }, (ev, ctx) => {
        const both = ctx.collectEvents(ev, [Left, Right]);
        return both === null ? null : new StopEvent({ result: both.map((e) => e.v).join("") });
      });
    }
    expect(await traced(new Pair({ tracer: otel.tracer }).run())).toBe("lr");
    const start = otel.one("step start");
    const right = otel.one("step right");
    const joins = otel.named("step join");
    expect(joins).toHaveLength(2);
    const collecting = joins.filter((j) => j.links.length === 2);
    expect(collecting).toHaveLength(1);
    // In the expected order: Left from the start step, Right from the right step.
    expect(new Set(linkedIds(collecting[0]!))).toEqual(new Set([spanId(start), spanId(right)]));
  });
});

// --- a loop ----------------------------------------------------------------------------------

class Tick extends Event.define({ n: z.number() }) {}

class Loop extends Workflow {
  begin = step({ accepts: [StartEvent], emits: [Tick] }, () => new Tick({ n: 0 }));
  tick = step({ accepts: [Tick], emits: [Tick, StopEvent] }, (ev) =>
    ev.n >= 4 ? new StopEvent({ result: ev.n }) : new Tick({ n: ev.n + 1 }),
  );
}

describe("a loop", () => {
  it("parents every iteration on the run span and links each to the previous one", async () => {
    otel = traceHarness();
    expect(await traced(new Loop({ tracer: otel.tracer }).run())).toBe(4);
    const run = otel.one("invoke_workflow Loop");
    const begin = otel.one("step begin");
    const ticks = otel.named("step tick");
    expect(ticks).toHaveLength(5);
    // Exported in end order, which is iteration order here.
    let producer: ReadableSpan = begin;
    for (const t of ticks) {
      expect(parentId(t)).toBe(spanId(run));
      expect(t.attributes["eventloom.step.attempt"]).toBe(1);
      expect(linkedIds(t)).toEqual([spanId(producer)]);
      producer = t;
    }
  });
});

// --- links from outside the graph ------------------------------------------------------------

class Poke extends Event.define({ word: z.string() }) {}

class Poked extends Workflow {
  // Declares Poke so the graph is valid; the pokes come from handler.sendEvent.
  start = step({ accepts: [StartEvent], emits: [Poke] }, () => null);
  poke = step({ accepts: [Poke], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.word }));
}

describe("events from outside a step", () => {
  it("gives the start event and handler.sendEvent events no link", async () => {
    otel = traceHarness();
    const handler = new Poked({ tracer: otel.tracer }).run();
    handler.sendEvent(new Poke({ word: "hey" }));
    expect(await traced(handler)).toBe("hey");
    expect(otel.one("step start").links).toEqual([]);
    const poke = otel.one("step poke");
    expect(poke.links).toEqual([]);
    expect(poke.attributes["eventloom.event.type"]).toBe("Poke");
  });
});

// --- worker slots ----------------------------------------------------------------------------

describe("eventloom.step.worker", () => {
  it("is an integer slot below numWorkers, reused as invocations finish", async () => {
    otel = traceHarness();
    const gates = [deferred(), deferred(), deferred(), deferred(), deferred(), deferred()];
    class Pool extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        for (let i = 0; i < gates.length; i++) ctx.sendEvent(new Job({ i }));
      });
      work = step({ accepts: [Job], emits: [Done], numWorkers: 2 }, async (ev) => {
        await gates[ev.i]!.promise;
        return new Done({ i: ev.i });
      });
      gather = step({ accepts: [Done], emits: [StopEvent] }, (ev, ctx) => {
        const all = ctx.collectEvents(ev, Done, { count: 6 });
        return all === null ? null : new StopEvent({ result: all.length });
      });
    }
    const handler = new Pool({ tracer: otel.tracer }).run();
    // Release the jobs one by one, out of order, so slots are freed and taken again.
    for (const i of [1, 0, 3, 2, 5, 4]) gates[i]!.resolve();
    expect(await traced(handler)).toBe(6);
    const workers = otel.named("step work").map((s) => s.attributes["eventloom.step.worker"]);
    expect(workers).toHaveLength(6);
    for (const w of workers) expect(Number.isInteger(w)).toBe(true);
    expect(new Set(workers)).toEqual(new Set([0, 1]));
  });
});

describe("a stepwise run", () => {
  it("traces the same tree as a free-running one", async () => {
    otel = traceHarness();
    const handler = new Chain({ tracer: otel.tracer }).run({ text: "s" }, { stepwise: true });
    while (!handler.isDone()) await handler.runStep();
    expect(await traced(handler)).toBe("S");
    const run = otel.one("invoke_workflow ChainFlow");
    const first = otel.one("step first");
    const second = otel.one("step second");
    expect(parentId(first)).toBe(spanId(run));
    expect(parentId(second)).toBe(spanId(run));
    expect(linkedIds(second)).toEqual([spanId(first)]);
    expect(run.attributes["eventloom.run.status"]).toBe("completed");
  });
});

describe("the run span's id", () => {
  it("is the run's id when the caller chose it, and when the run continues from a snapshot", async () => {
    otel = traceHarness();
    const wf = new Chain({ tracer: otel.tracer });
    expect(await traced(wf.run({ text: "a" }, { runId: "order-7" }))).toBe("A");
    const gate = deferred();
    class Held extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await gate.promise;
        return new StopEvent({ result: "held" });
      });
    }
    const first = new Held().run({}, { runId: "held-1" });
    const snapshot = await first.snapshot();
    await first.cancel().catch(() => {});
    gate.resolve();
    const again = new Held({ tracer: otel.tracer }).resume(snapshot);
    expect(await traced(again)).toBe("held");
    expect(
      otel
        .spans()
        .filter((s) => s.name.startsWith("invoke_workflow"))
        .map((s) => s.attributes["eventloom.run.id"]),
    ).toEqual(["order-7", "held-1"]);
  });
});
