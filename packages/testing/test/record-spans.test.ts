import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  step,
} from "@eventloom/core";
import { z } from "zod";
import { type SpanRecorder, recordSpans, testRun } from "@eventloom/testing";
import { trace } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Research } from "./support/workflows.js";

let recorder: SpanRecorder;
beforeEach(() => {
  recorder = recordSpans();
});
afterEach(() => recorder.shutdown());

describe("recordSpans", () => {
  it("records a run's spans in start order, with core's names and attributes", async () => {
    await new Research().run({ topic: "otel", sources: 2 });
    const spans = recorder.spans();
    expect(spans.map((s) => s.name)).toEqual([
      "invoke_workflow Research",
      "step plan",
      "step search",
      "step summarize",
      "step search",
      "step summarize",
    ]);
    expect(spans[0]!.attributes["eventloom.run.status"]).toBe("completed");
    const runSpan = spans[0]!.spanContext();
    for (const s of spans.slice(1)) expect(s.parentSpanContext?.spanId).toBe(runSpan.spanId);
  });

  it("tree() shows the causal links of a fan-in: the collecting step links to every producer", async () => {
    await new Research().run({ topic: "otel", sources: 3 });
    expect(recorder.tree()).toMatchInlineSnapshot(`
      "invoke_workflow Research
        step plan
        step search #1 ← step plan
        step search #2 ← step plan
        step summarize #1 ← step search #1
        step summarize #2 ← step search #2
        step search #3 ← step plan
        step summarize #3 ← step search #3, step search #1, step search #2"
    `);
  });

  it("tree() nests user spans under their step and marks errors", async () => {
    class Boom extends Error {}
    class Traced extends Workflow {
      work = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await trace.getTracer("app").startActiveSpan("llm call", async (span) => {
          span.end();
        });
        throw new Boom("no");
      });
    }
    const { error } = await testRun(new Traced(), {});
    expect(error).toBeInstanceOf(Boom);
    expect(recorder.tree()).toBe(
      ["invoke_workflow Traced [error Boom]", "  step work [error Boom]", "    llm call"].join(
        "\n",
      ),
    );
  });

  it("tree() shows each attempt of a retried step, and a step cut short by the run's end", async () => {
    class Ev extends Event.define({ n: z.number() }, { name: "Ev" }) {}
    class Race extends Workflow {
      flaky = step(
        {
          accepts: [StartEvent],
          emits: [Ev],
          retry: { next: ({ attempt }) => (attempt < 2 ? 1 : null) },
        },
        (_ev, ctx) => {
          if (ctx.retry.attempt === 1) throw new TypeError("first try fails");
          return new Ev({ n: 1 });
        },
      );
      slow = step({ accepts: [StartEvent], emits: [] }, (_ev, ctx) => {
        return new Promise<undefined>((resolve) => {
          ctx.signal.addEventListener("abort", () => resolve(undefined));
        });
      });
      done = step({ accepts: [Ev], emits: [StopEvent] }, () => new StopEvent({ result: "ok" }));
    }
    expect((await testRun(new Race(), {})).result).toBe("ok");
    expect(recorder.tree()).toBe(
      [
        "invoke_workflow Race",
        "  step flaky #1 [error TypeError]",
        "  step slow [aborted: completed]",
        "  step flaky #2",
        "  step done ← step flaky #2",
      ].join("\n"),
    );
  });

  it("gives the same tree for the same run: no ids, no times", async () => {
    await new Research().run({ topic: "a", sources: 4 });
    const first = recorder.tree();
    recorder.reset();
    await new Research().run({ topic: "b", sources: 4 });
    expect(recorder.tree()).toBe(first);
  });

  it("reset() forgets what was recorded and recording goes on", async () => {
    await new Research().run({ topic: "a", sources: 1 });
    expect(recorder.spans().length).toBeGreaterThan(0);
    recorder.reset();
    expect(recorder.spans()).toEqual([]);
    expect(recorder.tree()).toBe("");
    await new Research().run({ topic: "a", sources: 1 });
    expect(recorder.spans()[0]!.name).toBe("invoke_workflow Research");
  });

  it("shows each run as a root of its own, in start order", async () => {
    await new Research().run({ topic: "a", sources: 1 });
    await new Research().run({ topic: "b", sources: 1 });
    expect(
      recorder
        .tree()
        .split("\n")
        .filter((l) => !l.startsWith(" ")),
    ).toEqual(["invoke_workflow Research", "invoke_workflow Research"]);
  });

  it("gives testRun the spans of that run only", async () => {
    await new Research().run({ topic: "before", sources: 2 });
    const { spans, runId } = await testRun(new Research(), { topic: "otel", sources: 2 });
    expect(spans.map((s) => s.name)).toEqual([
      "invoke_workflow Research",
      "step plan",
      "step search",
      "step summarize",
      "step search",
      "step summarize",
    ]);
    expect(spans[0]!.attributes["eventloom.run.id"]).toBe(runId);
  });

  it("refuses a second recorder while one is registered", () => {
    expect(() => recordSpans()).toThrow(WorkflowRuntimeError);
    expect(() => recordSpans()).toThrow(/call recorder.shutdown\(\)/);
  });

  it("shutdown() unregisters, so a new recorder records again (and twice is fine)", async () => {
    await recorder.shutdown();
    await recorder.shutdown();
    await new Research().run({ topic: "unrecorded", sources: 1 });
    expect(recorder.spans()).toEqual([]);
    recorder = recordSpans();
    await new Research().run({ topic: "again", sources: 1 });
    expect(recorder.spans().map((s) => s.name)[0]).toBe("invoke_workflow Research");
  });
});
