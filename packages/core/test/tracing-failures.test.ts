import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";
import {
  type TraceHarness,
  parentId,
  settle,
  spanId,
  traceHarness,
  checkTracesAfterEach,
} from "./support/tracing.js";

let otel: TraceHarness;
checkTracesAfterEach(() => otel);

/** Awaits a run that must fail; checks every span had ended when the handler settled. */
async function tracedFailure(
  handler: PromiseLike<unknown> & { readonly runId: string },
): Promise<unknown> {
  const outcome = await settle(handler, otel.counter);
  expect(outcome.openAtSettle).toBe(0);
  expect("error" in outcome).toBe(true);
  return outcome.error;
}

class BoomError extends Error {
  override readonly name = "BoomError";
}

function exceptionEvents(span: ReadableSpan) {
  return span.events.filter((e) => e.name === "exception");
}

class Middle extends Event.define({ n: z.number() }) {}

describe("a failing step", () => {
  class Failing extends Workflow {
    first = step({ accepts: [StartEvent], emits: [Middle] }, () => new Middle({ n: 1 }));
    second = step({ accepts: [Middle], emits: [StopEvent] }, () => {
      throw new BoomError("the second step broke");
    });
  }

  it("marks the step span and the run span ERROR with error.type and the exception", async () => {
    otel = traceHarness();
    const error = await tracedFailure(new Failing({ tracer: otel.tracer }).run());
    expect(error).toBeInstanceOf(BoomError);

    const run = otel.one("invoke_workflow Failing");
    const first = otel.one("step first");
    const second = otel.one("step second");
    expect(first.status.code).toBe(SpanStatusCode.UNSET);
    expect(first.attributes["error.type"]).toBeUndefined();

    expect(second.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "the second step broke",
    });
    expect(second.attributes["error.type"]).toBe("BoomError");
    const [exception] = exceptionEvents(second);
    expect(exceptionEvents(second)).toHaveLength(1);
    expect(exception!.attributes?.["exception.message"]).toBe("the second step broke");
    expect(exception!.attributes?.["exception.type"]).toBe("BoomError");

    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes["error.type"]).toBe("BoomError");
    expect(run.attributes["eventloom.run.status"]).toBe("failed");
    expect(exceptionEvents(run)).toHaveLength(1);
  });

  it("records no exception events with recordExceptions: false, and still marks ERROR", async () => {
    otel = traceHarness();
    await tracedFailure(new Failing({ tracer: otel.tracer, recordExceptions: false }).run());
    const second = otel.one("step second");
    const run = otel.one("invoke_workflow Failing");
    expect(second.status.code).toBe(SpanStatusCode.ERROR);
    expect(second.attributes["error.type"]).toBe("BoomError");
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(second.events).toEqual([]);
    expect(run.events).toEqual([]);
  });

  it("uses _OTHER as error.type when a step throws a non-error", async () => {
    otel = traceHarness();
    class ThrowsString extends Workflow {
      only = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        throw "plain string";
      });
    }
    const error = await tracedFailure(new ThrowsString({ tracer: otel.tracer }).run());
    expect((error as Error).cause).toBe("plain string");
    // The step's span records what the step threw; the run's, what the run failed with.
    const only = otel.one("step only");
    expect(only.attributes["error.type"]).toBe("_OTHER");
    expect(only.status).toEqual({ code: SpanStatusCode.ERROR, message: "plain string" });
    expect(otel.one("invoke_workflow ThrowsString").attributes["error.type"]).toBe(
      "WorkflowRuntimeError",
    );
  });
});

describe("a retried step", () => {
  it("makes a separate span per attempt numbered 1, 2, 3, each linked to the same producer", async () => {
    otel = traceHarness();
    let calls = 0;
    class Flaky extends Workflow {
      first = step({ accepts: [StartEvent], emits: [Middle] }, () => new Middle({ n: 1 }));
      flaky = step(
        {
          accepts: [Middle],
          emits: [StopEvent],
          retry: { next: ({ attempt }) => (attempt < 3 ? 0 : null) },
        },
        (_ev, ctx) => {
          calls++;
          if (ctx.retry.attempt < 3) throw new BoomError(`attempt ${ctx.retry.attempt}`);
          return new StopEvent({ result: ctx.retry.attempt });
        },
      );
    }
    const outcome = await settle(new Flaky({ tracer: otel.tracer }).run(), otel.counter);
    expect(outcome.openAtSettle).toBe(0);
    expect(outcome.value).toBe(3);
    expect(calls).toBe(3);

    const run = otel.one("invoke_workflow Flaky");
    const first = otel.one("step first");
    const attempts = otel.named("step flaky");
    expect(attempts.map((s) => s.attributes["eventloom.step.attempt"])).toEqual([1, 2, 3]);
    expect(new Set(attempts.map(spanId)).size).toBe(3);
    for (const a of attempts) {
      expect(parentId(a)).toBe(spanId(run));
      expect(a.links.map((l) => l.context.spanId)).toEqual([spanId(first)]);
    }
    expect(attempts.map((s) => s.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(attempts[0]!.status.message).toBe("attempt 1");
    expect(attempts[1]!.status.message).toBe("attempt 2");
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(run.attributes["eventloom.run.status"]).toBe("completed");
  });

  it("marks an attempt that exceeded the step timeout ERROR with StepTimeoutError", async () => {
    otel = traceHarness();
    class Slow extends Workflow {
      slow = step(
        {
          accepts: [StartEvent],
          emits: [StopEvent],
          timeout: 20,
          retry: { next: ({ attempt }) => (attempt < 2 ? 0 : null) },
        },
        async (_ev, ctx) => {
          if (ctx.retry.attempt === 1) await new Promise(() => {}); // never settles
          return new StopEvent({ result: "second try" });
        },
      );
    }
    const outcome = await settle(new Slow({ tracer: otel.tracer }).run(), otel.counter);
    expect(outcome.value).toBe("second try");
    expect(outcome.openAtSettle).toBe(0);
    const attempts = otel.named("step slow");
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.attributes["error.type"]).toBe(StepTimeoutError.name);
    expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET);
  });
});

describe("a run that times out", () => {
  it("marks the run span ERROR, timed_out, and ends the in-flight step span UNSET", async () => {
    otel = traceHarness();
    const entered = deferred();
    let lateError: (e: unknown) => void = () => {};
    class Stuck extends Workflow {
      stuck = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        entered.resolve();
        return new Promise<StopEvent>((_resolve, reject) => {
          lateError = reject;
        });
      });
    }
    const handler = new Stuck({ tracer: otel.tracer, timeout: 30 }).run();
    await entered.promise;
    const error = await tracedFailure(handler);
    expect(error).toBeInstanceOf(WorkflowTimeoutError);

    const run = otel.one("invoke_workflow Stuck");
    expect(run.attributes["eventloom.run.status"]).toBe("timed_out");
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes["error.type"]).toBe("WorkflowTimeoutError");
    const stuck = otel.one("step stuck");
    expect(stuck.status.code).toBe(SpanStatusCode.UNSET);
    expect(stuck.endTime).toBeDefined();

    // The step failing after the run ended changes nothing on its (ended) span.
    lateError(new BoomError("too late"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(otel.named("step stuck")).toHaveLength(1);
    expect(otel.one("step stuck").attributes["error.type"]).toBeUndefined();
  });
});

describe("a cancelled run", () => {
  it("leaves the run span UNSET with status cancelled and ends the in-flight step span", async () => {
    otel = traceHarness();
    const entered = deferred();
    let finishLate: () => void = () => {};
    class Waits extends Workflow {
      waits = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        entered.resolve();
        return new Promise<StopEvent>((resolve) => {
          finishLate = () => resolve(new StopEvent({ result: "late" }));
        });
      });
    }
    const handler = new Waits({ tracer: otel.tracer }).run();
    await entered.promise;
    const cancelled = handler.cancel();
    const error = await tracedFailure(handler);
    await cancelled;
    expect(error).toBeInstanceOf(WorkflowCancelledError);

    const run = otel.one("invoke_workflow Waits");
    expect(run.attributes["eventloom.run.status"]).toBe("cancelled");
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(run.attributes["error.type"]).toBeUndefined();
    expect(run.events).toEqual([]);
    const waits = otel.one("step waits");
    expect(waits.status.code).toBe(SpanStatusCode.UNSET);

    // The body finishing afterwards neither ends the span again nor starts another.
    finishLate();
    await new Promise((resolve) => setImmediate(resolve));
    expect(otel.spans()).toHaveLength(2);
  });

  it("ends the span of a step blocked in waitForEvent", async () => {
    otel = traceHarness();
    class Never extends Event.define({}) {}
    const waiting = deferred();
    class Waiter extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent, Never] }, async (_ev, ctx) => {
        waiting.resolve();
        await ctx.waitForEvent(Never);
        return new StopEvent({});
      });
    }
    const controller = new AbortController();
    const handler = new Waiter({ tracer: otel.tracer, disableValidation: true }).run(undefined, {
      signal: controller.signal,
    });
    await waiting.promise;
    controller.abort();
    expect(await tracedFailure(handler)).toBeInstanceOf(WorkflowCancelledError);
    expect(otel.one("step start").status.code).toBe(SpanStatusCode.UNSET);
    expect(otel.one("invoke_workflow Waiter").attributes["eventloom.run.status"]).toBe("cancelled");
  });
});

describe("a run that ends while other steps are running", () => {
  it("ends each still-running step's span exactly once when a step sends the stop event", async () => {
    otel = traceHarness();
    const release = deferred();
    class Sends extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Middle] }, (_ev, ctx) => {
        ctx.sendEvent(new Middle({ n: 1 }));
        ctx.sendEvent(new Middle({ n: 2 }));
      });
      // n=2 ends the run from inside its body and keeps running; n=1 is still waiting.
      work = step({ accepts: [Middle], emits: [StopEvent] }, async (ev, ctx) => {
        if (ev.n === 2) ctx.sendEvent(new StopEvent({ result: "stopped" }));
        await release.promise;
        return null;
      });
    }
    const outcome = await settle(new Sends({ tracer: otel.tracer }).run(), otel.counter);
    expect(outcome.value).toBe("stopped");
    expect(outcome.openAtSettle).toBe(0);
    release.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    const works = otel.named("step work");
    expect(works).toHaveLength(2);
    for (const w of works) expect(w.status.code).toBe(SpanStatusCode.UNSET);
    // afterEach: no span was ended twice (the SDK would have reported it through diag).
  });
});

describe("an attempt abandoned after its step timeout", () => {
  it("adds no links to its ended span when its body collects events later", async () => {
    otel = traceHarness();
    class Done extends Event.define({ i: z.number() }) {}
    const secondAttempt = deferred();
    const resumeFirst = deferred();
    const collectedLate = deferred();
    class Late extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Done] }, (_ev, ctx) => {
        ctx.sendEvent(new Done({ i: 0 }));
        ctx.sendEvent(new Done({ i: 1 }));
      });
      gather = step(
        {
          accepts: [Done],
          emits: [StopEvent],
          timeout: 20,
          retry: { next: ({ attempt }) => (attempt < 5 ? 0 : null) },
        },
        async (ev, ctx) => {
          if (ev.i === 1) {
            if (ctx.retry.attempt > 1) {
              secondAttempt.resolve();
              await collectedLate.promise;
              return new StopEvent({ result: "done" });
            }
            await resumeFirst.promise; // outlives the 20 ms step timeout
          }
          const all = ctx.collectEvents(ev, Done, { count: 2 });
          if (all !== null) collectedLate.resolve();
          return null;
        },
      );
    }
    const handler = new Late({ tracer: otel.tracer, timeout: null }).run();
    await secondAttempt.promise;
    resumeFirst.resolve(); // the first attempt's body now collects both events, too late
    const outcome = await settle(handler, otel.counter);
    expect(outcome.value).toBe("done");
    expect(outcome.openAtSettle).toBe(0);
    const start = otel.one("step start");
    const abandoned = otel
      .named("step gather")
      .find(
        (s) =>
          s.attributes["eventloom.step.attempt"] === 1 && s.status.code === SpanStatusCode.ERROR,
      );
    expect(abandoned?.attributes["error.type"]).toBe("StepTimeoutError");
    expect(abandoned!.links.map((l) => l.context.spanId)).toEqual([spanId(start)]);
  });
});
