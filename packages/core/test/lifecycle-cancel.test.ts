import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowCancelledEvent,
  WorkflowRuntimeError,
  step,
} from "../src/index.js";
import { deferred, streamTypes } from "./support/control.js";

class Progress extends Event.define({ n: z.number() }) {}
class Extra extends Event.define({ label: z.string() }) {}

/** A workflow whose one step reports its start and then waits for its signal to abort. */
function blockingWorkflow() {
  const started = deferred();
  const abortReason = deferred<unknown>();
  let runs = 0;
  class Blocking extends Workflow {
    block = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
      runs++;
      ctx.writeEventToStream(new Progress({ n: 1 }));
      return new Promise<StopEvent>((_resolve, reject) => {
        ctx.signal.addEventListener("abort", () => {
          abortReason.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
        started.resolve();
      });
    });
  }
  return { Blocking, started, abortReason, runs: () => runs };
}

async function settledError(p: PromiseLike<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("handler.cancel()", () => {
  it("rejects the run with WorkflowCancelledError, aborts running steps and streams WorkflowCancelledEvent", async () => {
    const { Blocking, started, abortReason } = blockingWorkflow();
    const handler = new Blocking().run();
    const stream = streamTypes(handler.streamEvents());
    await started.promise;
    await handler.cancel();
    expect(handler.isDone()).toBe(true);
    expect(handler.status).toBe("cancelled");
    const error = await settledError(handler);
    expect(error).toBeInstanceOf(WorkflowCancelledError);
    expect(await abortReason.promise).toBe(error);
    expect(await stream).toEqual(["Progress", "WorkflowCancelledEvent"]);
  });

  it("resolves once the run has settled", async () => {
    const { Blocking, started } = blockingWorkflow();
    const handler = new Blocking().run();
    await started.promise;
    const cancelled = handler.cancel();
    expect(cancelled).toBeInstanceOf(Promise);
    await cancelled;
    // Settled before cancel() resolved: the handler's own promise is already rejected.
    let state = "pending";
    void handler.then(
      () => (state = "resolved"),
      () => (state = "rejected"),
    );
    await Promise.resolve();
    expect(state).toBe("rejected");
  });

  it("carries the reason as the error's cause and on the terminal event", async () => {
    const { Blocking, started } = blockingWorkflow();
    const handler = new Blocking().run();
    const events: Event[] = [];
    const sub = handler.events$.subscribe((ev) => events.push(ev));
    await started.promise;
    await handler.cancel("user left");
    sub.unsubscribe();
    const error = await settledError(handler);
    expect((error as WorkflowCancelledError).cause).toBe("user left");
    const terminal = events.at(-1) as WorkflowCancelledEvent;
    expect(terminal).toBeInstanceOf(WorkflowCancelledEvent);
    expect(terminal.reason).toBe("user left");
  });

  it("before the start event is processed, runs no step at all", async () => {
    const { Blocking, runs } = blockingWorkflow();
    const handler = new Blocking().run();
    await handler.cancel();
    expect(await settledError(handler)).toBeInstanceOf(WorkflowCancelledError);
    expect(runs()).toBe(0);
    expect(await streamTypes(handler.streamEvents())).toEqual(["WorkflowCancelledEvent"]);
  });

  it("does nothing to a run that completed", async () => {
    class Done extends Workflow {
      done = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        () => new StopEvent({ result: 7 }),
      );
    }
    const handler = new Done().run();
    expect(await handler).toBe(7);
    await handler.cancel();
    expect(handler.status).toBe("completed");
    expect(await handler).toBe(7);
    expect(await streamTypes(handler.streamEvents())).toEqual(["StopEvent"]);
  });

  it("does nothing to a run that failed", async () => {
    class Boom extends Error {}
    class Fails extends Workflow {
      fails = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        throw new Boom("boom");
      });
    }
    const handler = new Fails().run();
    const error = await settledError(handler);
    expect(error).toBeInstanceOf(Boom);
    await handler.cancel();
    expect(handler.status).toBe("failed");
    expect(await settledError(handler)).toBe(error);
  });

  it("makes a later handler.sendEvent throw WorkflowRuntimeError", async () => {
    const { Blocking, started } = blockingWorkflow();
    const handler = new Blocking().run();
    await started.promise;
    await handler.cancel();
    expect(() => handler.sendEvent(new StartEvent({}))).toThrow(WorkflowRuntimeError);
  });
});

describe("run(input, { signal })", () => {
  it("cancels the run when the signal aborts", async () => {
    const { Blocking, started, abortReason } = blockingWorkflow();
    const controller = new AbortController();
    const handler = new Blocking().run({}, { signal: controller.signal });
    const stream = streamTypes(handler.streamEvents());
    await started.promise;
    controller.abort("stop now");
    const error = await settledError(handler);
    expect(error).toBeInstanceOf(WorkflowCancelledError);
    expect((error as WorkflowCancelledError).cause).toBe("stop now");
    expect(await abortReason.promise).toBe(error);
    expect(await stream).toEqual(["Progress", "WorkflowCancelledEvent"]);
  });

  it("never starts a step when the signal is already aborted", async () => {
    const { Blocking, runs } = blockingWorkflow();
    const handler = new Blocking().run({}, { signal: AbortSignal.abort("too late") });
    expect(await settledError(handler)).toBeInstanceOf(WorkflowCancelledError);
    expect(runs()).toBe(0);
  });

  it("stops listening to the signal once the run has ended", async () => {
    class Done extends Workflow {
      done = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        () => new StopEvent({ result: 1 }),
      );
    }
    const controller = new AbortController();
    const handler = new Done().run({}, { signal: controller.signal });
    expect(await handler).toBe(1);
    controller.abort();
    expect(handler.status).toBe("completed");
  });
});

describe("handler.sendEvent before the start event is processed", () => {
  it("is queued behind the start event", async () => {
    const order: string[] = [];
    class Early extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Extra] }, () => {
        order.push("start");
        return new Extra({ label: "from start" });
      });
      extra = step({ accepts: [Extra], emits: [StopEvent] }, (ev, ctx) => {
        order.push(ev.label);
        const both = ctx.collectEvents(ev, Extra, { count: 2 });
        return both === null ? null : new StopEvent({ result: order });
      });
    }
    const handler = new Early().run();
    handler.sendEvent(new Extra({ label: "sent early" }));
    expect(await handler).toEqual(["start", "sent early", "from start"]);
  });

  it("honours a target step", async () => {
    const seen: string[] = [];
    class Targeted extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Extra] }, () => {
        seen.push("start");
        return new Extra({ label: "both" });
      });
      a = step({ accepts: [Extra], emits: [] }, (ev) => {
        seen.push(`a:${ev.label}`);
      });
      b = step({ accepts: [Extra], emits: [StopEvent] }, (ev) => {
        seen.push(`b:${ev.label}`);
        return ev.label === "both" ? new StopEvent({ result: seen }) : null;
      });
    }
    const handler = new Targeted().run();
    handler.sendEvent(new Extra({ label: "only b" }), { step: "b" });
    expect(await handler).toEqual(["start", "b:only b", "a:both", "b:both"]);
  });
});

describe("ctx.signal of an attempt that has finished", () => {
  it("stays unaborted while the run goes on, and aborts when the run ends", async () => {
    const gate = deferred();
    let kept: AbortSignal | undefined;
    let abortedWhileRunning: boolean | undefined;
    class Background extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Progress] }, (_ev, ctx) => {
        kept = ctx.signal; // e.g. handed to work that outlives the step
        return new Progress({ n: 1 });
      });
      finish = step({ accepts: [Progress], emits: [StopEvent] }, async () => {
        await gate.promise;
        abortedWhileRunning = kept!.aborted;
        return new StopEvent({ result: "done" });
      });
    }
    const handler = new Background().run();
    gate.resolve();
    expect(await handler).toBe("done");
    expect(abortedWhileRunning).toBe(false);
    expect(kept!.aborted).toBe(true);
  });

  it("aborts when the run is cancelled, with the cancellation as its reason", async () => {
    const gate = deferred();
    let kept: AbortSignal | undefined;
    class Background extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Progress] }, (_ev, ctx) => {
        kept = ctx.signal;
        return new Progress({ n: 1 });
      });
      wait = step({ accepts: [Progress], emits: [StopEvent] }, async () => {
        gate.resolve();
        return new Promise<StopEvent>(() => {});
      });
    }
    const handler = new Background().run();
    await gate.promise;
    expect(kept!.aborted).toBe(false);
    await handler.cancel();
    expect(kept!.aborted).toBe(true);
    expect(kept!.reason).toBeInstanceOf(WorkflowCancelledError);
  });
});
