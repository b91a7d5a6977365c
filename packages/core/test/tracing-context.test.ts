import { ROOT_CONTEXT, type Tracer, context, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, VERSION, Workflow, step } from "../src/index.js";
import { deferred } from "./support/control.js";
import {
  type TraceHarness,
  parentId,
  settle,
  spanId,
  traceHarness,
  traceId,
  checkTracesAfterEach,
} from "./support/tracing.js";

let otel: TraceHarness;
checkTracesAfterEach(() => otel);

async function traced<T>(handler: PromiseLike<T> & { readonly runId: string }): Promise<T> {
  const outcome = await settle(handler, otel.counter);
  expect(outcome.openAtSettle).toBe(0);
  if ("error" in outcome) throw outcome.error;
  return outcome.value as T;
}

class Middle extends Event.define({ tag: z.string() }) {}

/** Two steps; the second waits on a gate so that two runs can be made to interleave. */
function gatedChain(gate: (tag: string) => Promise<void>) {
  return class Gated extends Workflow {
    first = step(
      { accepts: [StartEvent], emits: [Middle] },
      (ev) => new Middle({ tag: String(ev["tag"]) }),
    );
    second = step({ accepts: [Middle], emits: [StopEvent] }, async (ev) => {
      await gate(ev.tag);
      return new StopEvent({ result: ev.tag });
    });
  };
}

function runSpanOf(runId: string) {
  const found = otel.spans().filter((s) => s.attributes["eventloom.run.id"] === runId);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe("concurrent runs", () => {
  it("keep separate traces: each step span's parent is its own run span", async () => {
    otel = traceHarness();
    const gates = { a: deferred(), b: deferred() };
    const Gated = gatedChain((tag) => gates[tag as "a" | "b"].promise);
    const wf = new Gated({ tracer: otel.tracer });
    const a = wf.run({ tag: "a" });
    const b = wf.run({ tag: "b" });
    // Finish b before a, so that the two runs' steps interleave.
    gates.b.resolve();
    expect(await traced(b)).toBe("b");
    gates.a.resolve();
    expect(await traced(a)).toBe("a");

    const runA = runSpanOf(a.runId);
    const runB = runSpanOf(b.runId);
    expect(traceId(runA)).not.toBe(traceId(runB));
    expect(parentId(runA)).toBeUndefined();
    expect(parentId(runB)).toBeUndefined();
    const steps = otel.spans().filter((s) => s.name.startsWith("step "));
    expect(steps).toHaveLength(4);
    for (const s of steps) {
      const own = traceId(s) === traceId(runA) ? runA : runB;
      expect(parentId(s)).toBe(spanId(own));
      for (const l of s.links) expect(l.context.traceId).toBe(traceId(own));
    }
    expect(steps.filter((s) => traceId(s) === traceId(runA))).toHaveLength(2);
  });
});

describe("runs one after the other in the same async context", () => {
  it("never parents the second run under the first", async () => {
    otel = traceHarness();
    const Gated = gatedChain(() => Promise.resolve());
    const wf = new Gated({ tracer: otel.tracer });
    const first = wf.run({ tag: "1" });
    await traced(first);
    const second = wf.run({ tag: "2" });
    await traced(second);
    const run1 = runSpanOf(first.runId);
    const run2 = runSpanOf(second.runId);
    expect(parentId(run1)).toBeUndefined();
    expect(parentId(run2)).toBeUndefined();
    expect(traceId(run2)).not.toBe(traceId(run1));
    // And nothing the runs did leaked into the caller's context.
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

describe("a run started inside an outer span", () => {
  it("nests the run span under the active span", async () => {
    otel = traceHarness();
    const Gated = gatedChain(() => Promise.resolve());
    const handler = otel.tracer.startActiveSpan("request", (outer) => {
      const h = new Gated({ tracer: otel.tracer }).run({ tag: "x" });
      outer.end();
      return h;
    });
    await traced(handler);
    const outer = otel.one("request");
    const run = runSpanOf(handler.runId);
    expect(parentId(run)).toBe(spanId(outer));
    expect(traceId(run)).toBe(traceId(outer));
    for (const s of [otel.one("step first"), otel.one("step second")])
      expect(parentId(s)).toBe(spanId(run));
  });
});

describe("a user span inside a step body", () => {
  it("nests under the step span, also after an await", async () => {
    otel = traceHarness();
    class Llm extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        const before = otel.tracer.startSpan("llm.prepare");
        before.end();
        await Promise.resolve();
        return otel.tracer.startActiveSpan("llm.call", async (span) => {
          await new Promise((resolve) => setImmediate(resolve));
          span.end();
          return new StopEvent({ result: "answer" });
        });
      });
    }
    expect(await traced(new Llm({ tracer: otel.tracer }).run())).toBe("answer");
    const ask = otel.one("step ask");
    expect(parentId(otel.one("llm.prepare"))).toBe(spanId(ask));
    expect(parentId(otel.one("llm.call"))).toBe(spanId(ask));
    expect(traceId(otel.one("llm.call"))).toBe(traceId(ask));
  });
});

describe("a nested run started inside a step", () => {
  class Inner extends Workflow {
    static override workflowName = "Inner";
    work = step(
      { accepts: [StartEvent], emits: [StopEvent] },
      (ev) => new StopEvent({ result: `inner(${String(ev["x"])})` }),
    );
  }

  it("nests the child run span under the calling step's span", async () => {
    otel = traceHarness();
    const inner = new Inner({ tracer: otel.tracer });
    class Outer extends Workflow {
      static override workflowName = "Outer";
      call = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await Promise.resolve();
        return new StopEvent({ result: await inner.run({ x: 1 }, { parent: ctx }) });
      });
    }
    expect(await traced(new Outer({ tracer: otel.tracer }).run())).toBe("inner(1)");
    const outerRun = otel.one("invoke_workflow Outer");
    const call = otel.one("step call");
    const innerRun = otel.one("invoke_workflow Inner");
    const work = otel.one("step work");
    expect(parentId(call)).toBe(spanId(outerRun));
    expect(parentId(innerRun)).toBe(spanId(call));
    expect(parentId(work)).toBe(spanId(innerRun));
    expect(new Set([outerRun, call, innerRun, work].map(traceId)).size).toBe(1);
  });

  it("nests under the calling step given { parent: ctx } even where the async context was lost", async () => {
    otel = traceHarness();
    const inner = new Inner({ tracer: otel.tracer });
    class Detached extends Workflow {
      call = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        // As if a callback-based library dropped the active context before the call.
        const result = await context.with(ROOT_CONTEXT, () => inner.run({ x: 2 }, { parent: ctx }));
        return new StopEvent({ result });
      });
    }
    expect(await traced(new Detached({ tracer: otel.tracer }).run())).toBe("inner(2)");
    expect(parentId(otel.one("invoke_workflow Inner"))).toBe(spanId(otel.one("step call")));
  });
});

describe("the default tracer", () => {
  it("is the global provider's @eventloom/core tracer when no tracer is passed", async () => {
    otel = traceHarness();
    expect(trace.setGlobalTracerProvider(otel.provider)).toBe(true);
    try {
      const Gated = gatedChain(() => Promise.resolve());
      const handler = new Gated().run({ tag: "g" });
      await traced(handler);
      const spans = otel.spans();
      expect(spans.map((s) => s.name).sort()).toEqual([
        "invoke_workflow Gated",
        "step first",
        "step second",
      ]);
      for (const s of spans) {
        expect(s.instrumentationScope).toMatchObject({ name: "@eventloom/core", version: VERSION });
      }
    } finally {
      trace.disable();
    }
  });
});

describe("with no SDK registered", () => {
  it("starts only the (no-op) run span and no step spans", async () => {
    otel = traceHarness(); // unused here: keeps afterEach's checks meaningful and empty
    const noop = trace.getTracer("no-sdk");
    let started = 0;
    const counting: Tracer = {
      startSpan: (...args: Parameters<Tracer["startSpan"]>) => {
        started++;
        return noop.startSpan(...args);
      },
      startActiveSpan: noop.startActiveSpan.bind(noop) as Tracer["startActiveSpan"],
    };
    class Three extends Workflow {
      a = step({ accepts: [StartEvent], emits: [Middle] }, () => new Middle({ tag: "a" }));
      b = step(
        { accepts: [Middle], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.tag }),
      );
    }
    const handler = new Three({ tracer: counting }).run();
    expect(await handler).toBe("a");
    expect(started).toBe(1);
    expect(handler.history).toHaveLength(2);
  });
});

describe("runs one after the other inside one outer span", () => {
  it("nests each under the outer span, never under the previous run", async () => {
    otel = traceHarness();
    const Gated = gatedChain(() => Promise.resolve());
    const wf = new Gated({ tracer: otel.tracer });
    const [first, second] = await otel.tracer.startActiveSpan("job", async (outer) => {
      const a = wf.run({ tag: "1" });
      await traced(a);
      const b = wf.run({ tag: "2" });
      await traced(b);
      outer.end();
      return [a, b] as const;
    });
    const job = otel.one("job");
    expect(parentId(runSpanOf(first.runId))).toBe(spanId(job));
    expect(parentId(runSpanOf(second.runId))).toBe(spanId(job));
  });
});
