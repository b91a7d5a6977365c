import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowFailedEvent,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";
import { type TraceHarness, checkTracesAfterEach, traceHarness } from "./support/tracing.js";

let otel: TraceHarness;
checkTracesAfterEach(() => otel);

describe("a step that throws a non-Error", () => {
  class Throws extends Workflow {
    constructor(private readonly thrown: () => unknown) {
      super({ timeout: 5_000 });
    }
    boom = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
      throw this.thrown();
    });
  }

  it.each([
    ["a string", () => "boom"],
    ["null", () => null],
    ["undefined", () => undefined],
    ["a number", () => 42],
  ])("fails the run with a WorkflowRuntimeError naming the step, %s as cause", async (_, v) => {
    otel = traceHarness();
    const h = new Throws(v).run();
    const events: Event[] = [];
    const streamed = (async () => {
      for await (const ev of h.streamEvents()) events.push(ev);
    })();
    const error = await h.then(
      () => undefined,
      (e: unknown) => e,
    );
    await streamed;
    expect(error).toBeInstanceOf(WorkflowRuntimeError);
    expect((error as Error).message).toMatch(/Step boom threw/);
    expect((error as Error).cause).toBe(v());
    const terminal = events.at(-1) as WorkflowFailedEvent;
    expect(terminal).toBeInstanceOf(WorkflowFailedEvent);
    expect(terminal.step).toBe("boom");
    expect(terminal.error).toBe(error);
  });

  it("passes a rejected promise of null through as a WorkflowRuntimeError too", async () => {
    otel = traceHarness();
    class Rejects extends Workflow {
      boom = step({ accepts: [StartEvent], emits: [StopEvent] }, () => Promise.reject(null));
    }
    const error = await new Rejects().run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowRuntimeError);
    expect((error as Error).message).toContain("Step boom threw null");
  });

  it("still passes a thrown Error through unchanged", async () => {
    otel = traceHarness();
    class Mine extends Error {}
    class Throws2 extends Workflow {
      boom = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        throw new Mine("own");
      });
    }
    await expect(new Throws2().run()).rejects.toBeInstanceOf(Mine);
  });
});

describe("a step span cut short by the run's end", () => {
  class Go extends Event.define({ n: z.number() }, { name: "Go" }) {}
  type Reason = "completed" | "failed" | "timeout" | "cancelled";

  function cutShort(reason: Reason) {
    const started = deferred();
    class Cut extends Workflow {
      fork = step({ accepts: [StartEvent], emits: [Go] }, (_ev, ctx) => {
        ctx.sendEvent(new Go({ n: 1 }));
        ctx.sendEvent(new Go({ n: 2 }));
      });
      work = step({ accepts: [Go], emits: [StopEvent] }, async (ev, ctx) => {
        if (ev.n === 1) {
          started.resolve();
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          return undefined;
        }
        await started.promise;
        if (reason === "completed") return new StopEvent({ result: "done" });
        if (reason === "failed") throw new Error("fails");
        return new Promise<never>(() => {}); // the run times out, or the test cancels it
      });
    }
    return {
      wf: new Cut({ tracer: otel.tracer, timeout: reason === "timeout" ? 50 : 5_000 }),
      started,
    };
  }

  it.each(["completed", "failed", "timeout", "cancelled"] as const)(
    "carries eventloom.step.aborted and abort_reason %s",
    async (reason) => {
      otel = traceHarness();
      const { wf, started } = cutShort(reason);
      const h = wf.run();
      if (reason === "cancelled") {
        await started.promise;
        await h.cancel();
      }
      const outcome = await h.then(
        (v) => v,
        (e: unknown) => e,
      );
      if (reason === "completed") expect(outcome).toBe("done");
      if (reason === "timeout") expect(outcome).toBeInstanceOf(WorkflowTimeoutError);
      if (reason === "cancelled") expect(outcome).toBeInstanceOf(WorkflowCancelledError);
      const aborted = otel.named("step work").filter((s) => s.attributes["eventloom.step.aborted"]);
      expect(aborted.length).toBeGreaterThanOrEqual(1);
      for (const span of aborted) {
        expect(span.attributes["eventloom.step.abort_reason"]).toBe(reason);
      }
      // The attempts that had finished carry nothing (a cancel right after `started` may still
      // catch fork between its return and its outcome: only the other reasons check it).
      if (reason !== "cancelled")
        expect(otel.one("step fork").attributes["eventloom.step.aborted"]).toBeUndefined();
    },
  );
});
