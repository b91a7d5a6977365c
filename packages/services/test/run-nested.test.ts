import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  type WorkflowHandler,
  WorkflowTimedOutEvent,
  WorkflowTimeoutError,
  WorkflowValidationError,
  step,
} from "@eventloom/core";
import { addWorkflows, runNested, type NestedRunOptions } from "@eventloom/services";
import { activeTimers, collect, deferred, settle } from "./fixtures/control.js";

class Never extends Event.define({}, { name: "Never" }) {}
class Note extends Event.define({ text: z.string() }) {}
class Tick extends Event.define({ n: z.number() }) {}
class StationDownError extends Error {
  override readonly name = "StationDownError";
}

/** A child that says it has started, then waits for an event that never comes. */
class Forever extends Workflow {
  readonly started = deferred();
  wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    ctx.writeEventToStream(new Note({ text: "child waiting" }));
    this.started.resolve();
    await ctx.waitForEvent(Never);
    return new StopEvent({ result: "never" });
  });
}

/** A parent whose step runs the "child" service nested and hands its handler to the test. */
class Caller extends Workflow {
  // A handler is a thenable: a promise resolved with it would adopt the child's outcome, so the
  // test gets it from a field once `childStarted` resolves.
  readonly childStarted = deferred();
  childHandler: WorkflowHandler<unknown> | undefined;
  nestedOptions: NestedRunOptions = {};
  call = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["child"] },
    async (_ev, ctx, services) => {
      const child = runNested(ctx, services["child"] as Workflow, {}, this.nestedOptions);
      this.childHandler = child;
      this.childStarted.resolve();
      return new StopEvent({ result: await child });
    },
  );
}

describe("runNested: cancellation", () => {
  it("cancels the child when the parent is cancelled: both end cancelled, both streams complete, no timer left", async () => {
    const forever = new Forever(); // default 45 s timeout: a timer while it runs
    const parent = addWorkflows(new Caller({ timeout: 10_000 }), { child: forever });
    const timersBefore = activeTimers();

    const handler = parent.run();
    const parentStream = collect(handler.streamEvents());
    await parent.childStarted.promise;
    const child = parent.childHandler!;
    const childStream = collect(child.streamEvents());
    await forever.started.promise;
    expect(activeTimers()).toBeGreaterThan(timersBefore);

    await handler.cancel("user pressed stop");

    const parentError = await settle(handler, 0);
    const childError = await settle(child, 0);
    expect(parentError.error).toBeInstanceOf(WorkflowCancelledError);
    expect(childError.error).toBeInstanceOf(WorkflowCancelledError);
    // The child says why: the parent's cancellation.
    expect((childError.error as Error).cause).toBe(parentError.error);
    expect([handler.status, child.status]).toEqual(["cancelled", "cancelled"]);
    expect((await parentStream).at(-1)).toBeInstanceOf(WorkflowCancelledEvent);
    const childEvents = await childStream;
    expect(childEvents.map((e) => e.constructor)).toEqual([Note, WorkflowCancelledEvent]);
    expect(activeTimers()).toBe(timersBefore);
  });

  it("cancels the child when the parent's signal aborts", async () => {
    const forever = new Forever();
    const parent = addWorkflows(new Caller(), { child: forever });
    const controller = new AbortController();
    const handler = parent.run({}, { signal: controller.signal });
    await parent.childStarted.promise;
    const child = parent.childHandler!;
    await forever.started.promise;
    controller.abort();
    await expect(handler).rejects.toBeInstanceOf(WorkflowCancelledError);
    await expect(child).rejects.toBeInstanceOf(WorkflowCancelledError);
  });

  it("leaves the parent running when only the child is cancelled: the step sees the child's WorkflowCancelledError", async () => {
    const forever = new Forever();
    const parent = addWorkflows(new Caller(), { child: forever });
    const handler = parent.run();
    await parent.childStarted.promise;
    const child = parent.childHandler!;
    await forever.started.promise;
    await child.cancel();
    const { error } = await settle(handler, 0);
    expect(error).toBeInstanceOf(WorkflowCancelledError);
    expect(handler.status).toBe("failed");
  });
});

describe("runNested: errors", () => {
  it("rejects the parent with the child's own error, and streams WorkflowFailedEvent naming the calling step", async () => {
    const thrown = new StationDownError("the trade station is down");
    class Broken extends Workflow {
      trade = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        throw thrown;
      });
    }
    const parent = addWorkflows(new Caller(), { child: new Broken() });
    const handler = parent.run();
    const stream = collect(handler.streamEvents());
    const { error } = await settle(handler, 0);

    expect(error).toBeInstanceOf(StationDownError);
    expect(error).toBe(thrown);
    await expect(parent.childHandler!).rejects.toBe(thrown);
    const last = (await stream).at(-1);
    expect(last).toBeInstanceOf(WorkflowFailedEvent);
    expect(last).toMatchObject({ step: "call", error: thrown });
  });

  it("rejects bad options before the child starts", async () => {
    const other = new Forever().run();
    const ctx = other.ctx;
    expect(() =>
      runNested(ctx, new Forever(), {}, { forwardStream: "yes" as unknown as boolean }),
    ).toThrow(WorkflowValidationError);
    expect(() =>
      runNested(ctx, new Forever(), {}, { forwardStream: "yes" as unknown as boolean }),
    ).toThrow("forwardStream must be a boolean or a predicate");
    await other.cancel();
  });
});

describe("runNested: deadline", () => {
  it("never lets the child outlive the parent: parent 300 ms, child without timeout -> both end at ~300 ms with the parent's WorkflowTimeoutError", async () => {
    const forever = new Forever({ timeout: null });
    const parent = addWorkflows(new Caller({ timeout: 300 }), { child: forever });
    const start = performance.now();
    const handler = parent.run();
    const parentStream = collect(handler.streamEvents());
    await parent.childStarted.promise;
    const child = parent.childHandler!;

    const [p, c] = await Promise.all([settle(handler, start), settle(child, start)]);

    expect(p.error).toBeInstanceOf(WorkflowTimeoutError);
    expect((p.error as Error).message).toContain("Caller timed out after 300 ms");
    expect(handler.status).toBe("timed_out");
    expect((await parentStream).at(-1)).toBeInstanceOf(WorkflowTimedOutEvent);
    // The child ends because the parent's deadline passed, and carries the parent's error.
    expect(c.error).toBeInstanceOf(WorkflowCancelledError);
    expect((c.error as Error).cause).toBe(p.error);
    for (const ms of [p.ms, c.ms]) {
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(2_000);
    }
  });

  it("keeps the child's own, shorter timeout: the parent step fails with the child's WorkflowTimeoutError", async () => {
    const parent = addWorkflows(new Caller({ timeout: 10_000 }), {
      child: new Forever({ timeout: 50 }),
    });
    const start = performance.now();
    const { error, ms } = await settle(parent.run(), start);
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    expect((error as Error).message).toContain("Forever timed out after 50 ms");
    expect(ms).toBeLessThan(5_000);
  });
});

describe("runNested: forwarding the child's stream", () => {
  class Chatty extends Workflow {
    talk = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
      ctx.writeEventToStream(new Note({ text: "one" }));
      ctx.writeEventToStream(new Tick({ n: 1 }));
      ctx.writeEventToStream(new Note({ text: "two" }));
      return new StopEvent({ result: "child done" });
    });
  }

  async function runWith(forwardStream: NestedRunOptions["forwardStream"]) {
    const parent = addWorkflows(new Caller(), { child: new Chatty() });
    parent.nestedOptions = forwardStream === undefined ? {} : { forwardStream };
    const handler = parent.run();
    const events = await collect(handler.streamEvents());
    return { handler, events };
  }

  it("copies every event the child writes, in order, before the parent's own terminal event", async () => {
    const { handler, events } = await runWith(true);
    expect(await handler).toBe("child done");
    expect(events.map((e) => e.constructor)).toEqual([Note, Tick, Note, StopEvent]);
    expect(events.filter((e) => e instanceof Note).map((e) => e.text)).toEqual(["one", "two"]);
  });

  it("copies only what the predicate picks", async () => {
    const { events } = await runWith((e) => e instanceof Tick);
    expect(events.map((e) => e.constructor)).toEqual([Tick, StopEvent]);
  });

  it("copies nothing by default", async () => {
    const { events } = await runWith(undefined);
    expect(events.map((e) => e.constructor)).toEqual([StopEvent]);
  });

  it("cancels the child with the error as cause when the predicate throws", async () => {
    const bad = new Error("bad predicate");
    const parent = addWorkflows(new Caller(), { child: new Forever() });
    parent.nestedOptions = {
      forwardStream: () => {
        throw bad;
      },
    };
    const { error } = await settle(parent.run(), 0);
    expect(error).toBeInstanceOf(WorkflowCancelledError);
    expect((error as Error).cause).toBe(bad);
  });
});
