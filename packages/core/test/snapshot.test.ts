import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  type RunSnapshot,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowRuntimeError,
  type WorkflowHandler,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";

/** What a snapshot looks like after a trip through a file. */
const roundTrip = (s: RunSnapshot): RunSnapshot => JSON.parse(JSON.stringify(s)) as RunSnapshot;

async function snapshotAndStop(h: WorkflowHandler<unknown>): Promise<RunSnapshot> {
  const snap = await h.snapshot();
  expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  await h.cancel();
  return roundTrip(snap);
}

class Ask extends InputRequiredEvent.define({ prompt: z.string() }) {}
class Reply extends HumanResponseEvent.define({ ok: z.boolean() }) {}

describe("snapshot and resume", () => {
  it("resumes a human-in-the-loop run waiting for an answer: snapshot, cancel, resume, answer", async () => {
    const before: string[] = [];
    class Approval extends Workflow {
      static override workflowName = "Approval";
      ask = step({ accepts: [StartEvent], emits: [Ask, StopEvent] }, async (ev, ctx) => {
        before.push(ctx.invocationId);
        const answer = await ctx.waitForEvent(Reply, {
          waiterEvent: new Ask({ prompt: `approve ${String(ev["order"])}?` }),
        });
        return new StopEvent({ result: answer.ok ? "approved" : "rejected" });
      });
    }
    const h = new Approval().run({ order: "o-1" });
    for await (const ev of h.streamEvents()) if (ev instanceof Ask) break;
    const snap = await snapshotAndStop(h);
    expect(snap).toMatchObject({
      version: 1,
      workflow: "Approval",
      runId: h.runId,
      status: "running",
    });
    expect(snap.waiting).toEqual([{ step: "ask", invocationId: "ask#1", eventType: "Reply" }]);

    const again = new Approval().resume(snap);
    expect(again.runId).toBe(h.runId);
    const asked: Event[] = [];
    for await (const ev of again.streamEvents()) {
      asked.push(ev);
      if (ev instanceof Ask) again.sendEvent(new Reply({ ok: true }));
    }
    expect(await again).toBe("approved");
    // The invocation in flight ran again from its start, with the same id.
    expect(before).toEqual(["ask#1", "ask#1"]);
    expect(asked.map((e) => e.constructor.name)).toEqual(["Ask", "StopEvent"]);
  });

  it("delivers queued events and runs in-flight invocations again with the same invocationId", async () => {
    class Job extends Event.define({ n: z.number() }, { name: "Job" }) {}
    const gate = deferred();
    const seen: string[] = [];
    const makeWf = (blocking: boolean) => {
      class Jobs extends Workflow {
        fan = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
          for (let n = 1; n <= 4; n++) ctx.sendEvent(new Job({ n }));
        });
        work = step({ accepts: [Job], emits: [StopEvent], numWorkers: 1 }, async (ev, ctx) => {
          seen.push(`${ev.n}:${ctx.invocationId}`);
          if (blocking) await gate.promise;
          const done = (await ctx.store.get("done", 0)) + 1;
          await ctx.store.set("done", done);
          return done === 4 ? new StopEvent({ result: done }) : undefined;
        });
      }
      return new Jobs();
    };
    const h = makeWf(true).run();
    while (seen.length === 0) await Promise.resolve();
    const snap = await snapshotAndStop(h);
    expect(snap.inFlight.map((i) => [i.step, i.invocation])).toEqual([["work", 2]]);
    expect(snap.queued).toEqual([
      { step: "work", events: [2, 3, 4].map((n) => ({ type: "Job", data: { n } })) },
    ]);
    const again = makeWf(false).resume(snap);
    expect(await again).toBe(4);
    expect(seen).toEqual(["1:work#2", "1:work#2", "2:work#3", "3:work#4", "4:work#5"]);
  });

  it("restores half-filled fan-ins, list and count forms, per bufferId", async () => {
    class A extends Event.define({ v: z.string() }, { name: "A" }) {}
    class B extends Event.define({ v: z.string() }, { name: "B" }) {}
    class More extends HumanResponseEvent.define({ v: z.string() }) {}
    class Fan extends Workflow {
      start = step({ accepts: [StartEvent], emits: [A, B] }, (_ev, ctx) => {
        ctx.sendEvent(new A({ v: "a1" }));
        ctx.sendEvent(new B({ v: "b1" }));
        ctx.sendEvent(new B({ v: "b2" }));
      });
      pair = step({ accepts: [A, B, More], emits: [StopEvent] }, async (ev, ctx) => {
        if (ev instanceof More) {
          const next = ev.v === "a2" ? new A({ v: "a2" }) : new B({ v: ev.v });
          const list = ctx.collectEvents(next, [A, B], { bufferId: "x" });
          const count = ctx.collectEvents(new B({ v: ev.v }), B, { count: 3, bufferId: "y" });
          if (list !== null && count !== null)
            return new StopEvent({ result: [list.map((e) => e.v), count.map((e) => e.v)] });
          return undefined;
        }
        ctx.collectEvents(ev, [A, B], { bufferId: "x" });
        if (ev instanceof B) ctx.collectEvents(ev, B, { count: 3, bufferId: "y" });
        return undefined;
      });
    }
    const h = new Fan({ disableValidation: true }).run();
    while (h.history.filter((r) => r.status === "completed").length < 4) await Promise.resolve();
    const snap = await snapshotAndStop(h);
    expect(snap.collected).toEqual([
      { step: "pair", bufferId: "x", events: [{ type: "B", data: { v: "b2" } }] },
      {
        step: "pair",
        bufferId: "y",
        events: [
          { type: "B", data: { v: "b1" } },
          { type: "B", data: { v: "b2" } },
        ],
      },
    ]);
    const again = new Fan({ disableValidation: true }).resume(snap);
    again.sendEvent(new More({ v: "a2" }));
    expect(await again).toEqual([
      ["a2", "b2"],
      ["b1", "b2", "a2"],
    ]);
  });

  it("continues a retry waiting in its delay with ctx.retry.attempt going on", async () => {
    const attempts: number[] = [];
    const makeWf = () => {
      class Flaky extends Workflow {
        go = step(
          {
            accepts: [StartEvent],
            emits: [StopEvent],
            retry: { next: ({ attempt }) => (attempt < 3 ? 60_000 : null) },
          },
          (_ev, ctx) => {
            attempts.push(ctx.retry.attempt);
            if (ctx.retry.attempt === 1) throw new Error("first try fails");
            return new StopEvent({ result: `${ctx.invocationId} at attempt ${ctx.retry.attempt}` });
          },
        );
      }
      return new Flaky();
    };
    const h = makeWf().run();
    while (attempts.length === 0) await Promise.resolve();
    await Promise.resolve();
    const snap = await snapshotAndStop(h);
    expect(snap.retrying).toMatchObject([
      { step: "go", attempt: 2, invocation: 1, lastError: { message: "first try fails" } },
    ]);
    expect(snap.retrying[0]!.delayMs).toBeGreaterThan(50_000);
    // Resumed with the delay cut short by editing the snapshot (a user may do this to retry now).
    const edited = { ...snap, retrying: [{ ...snap.retrying[0]!, delayMs: 0 }] };
    expect(await makeWf().resume(edited)).toBe("go#1 at attempt 2");
    expect(attempts).toEqual([1, 2]);
  });

  it("resumes a stepwise run between rounds", async () => {
    class Mid extends Event.define({ n: z.number() }, { name: "Mid" }) {}
    class Steps extends Workflow {
      first = step({ accepts: [StartEvent], emits: [Mid] }, () => new Mid({ n: 1 }));
      second = step(
        { accepts: [Mid], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.n + 1 }),
      );
    }
    const h = new Steps().run({}, { stepwise: true });
    expect((await h.runStep())!.map((e) => e.constructor.name)).toEqual(["Mid"]);
    const snap = await snapshotAndStop(h);
    expect(snap.stepwise).toBe(true);
    expect(snap.pending).toEqual([{ event: { type: "Mid", data: { n: 1 } } }]);
    const again = new Steps().resume(snap);
    expect((await again.runStep())!.map((e) => e.constructor.name)).toEqual(["StopEvent"]);
    expect(await again).toBe(2);
  });

  it("gives a settled handler with the same result or error for a settled snapshot", async () => {
    class Done extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev) => {
        if (ev["fail"] === true) throw new TypeError("bad input");
        return new StopEvent({ result: { ok: 1 } });
      });
    }
    const ok = new Done().run();
    await ok;
    const okSnap = roundTrip(await ok.snapshot());
    expect(okSnap).toMatchObject({ status: "completed", result: { ok: 1 } });
    const okAgain = new Done().resume(okSnap);
    expect(okAgain.isDone()).toBe(true);
    expect(await okAgain).toEqual({ ok: 1 });

    const bad = new Done().run({ fail: true });
    await bad.catch(() => {});
    const badSnap = roundTrip(await bad.snapshot());
    await expect(new Done().resume(badSnap)).rejects.toThrow("bad input");

    const cancelled = new Done().run();
    await cancelled.cancel();
    await expect(new Done().resume(roundTrip(await cancelled.snapshot()))).rejects.toBeInstanceOf(
      WorkflowCancelledError,
    );
  });

  it("rejects snapshot() naming the store key whose value is not JSON-safe", async () => {
    class Bad extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.store.set("when", new Date(0));
        await ctx.store.set("fn", () => 1);
        return new Promise<never>(() => {});
      });
    }
    const h = new Bad().run();
    while (h.history.length === 0) await Promise.resolve();
    await Promise.resolve();
    await expect(h.snapshot()).rejects.toThrow(
      /store key "when" is not JSON-safe \(an instance of Date\)/,
    );
    await h.cancel();
    for (const value of [
      1n,
      NaN,
      (() => {
        const o: Record<string, unknown> = {};
        o["self"] = o;
        return o;
      })(),
    ]) {
      class One extends Workflow {
        go = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
          await ctx.store.set("k", value);
          return new StopEvent({ result: 1 });
        });
      }
      const run = new One().run();
      await run;
      await expect(run.snapshot()).rejects.toBeInstanceOf(WorkflowRuntimeError);
    }
  });

  describe("bad snapshots", () => {
    class Order extends Event.define({ qty: z.number().int() }, { name: "Order" }) {}
    class Shop extends Workflow {
      take = step({ accepts: [StartEvent], emits: [Order] }, () => new Order({ qty: 1 }));
      ship = step({ accepts: [Order], emits: [StopEvent] }, async (ev, ctx) => {
        await ctx.waitForEvent(Reply);
        return new StopEvent({ result: ev.qty });
      });
    }
    async function good(): Promise<RunSnapshot> {
      const h = new Shop().run();
      while (h.history.length < 2) await Promise.resolve();
      return snapshotAndStop(h);
    }

    it("refuses a snapshot of another workflow, naming both", async () => {
      class Other extends Workflow {
        go = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent());
      }
      const snap = await good();
      expect(() => new Other().resume(snap)).toThrow(/snapshot is of workflow "Shop", not Other/);
    });

    it("refuses an unknown version", async () => {
      const snap = { ...(await good()), version: 2 } as unknown as RunSnapshot;
      expect(() => new Shop().resume(snap)).toThrow(/unknown snapshot version 2/);
    });

    it("refuses a truncated or edited snapshot, naming the field", async () => {
      const { queued: _q, ...truncated } = await good();
      expect(() => new Shop().resume(truncated as RunSnapshot)).toThrow(
        /queued is missing or not an array.*truncated or edited/,
      );
      expect(() => new Shop().resume(null as unknown as RunSnapshot)).toThrow(WorkflowRuntimeError);
    });

    it("refuses event data that no longer fits its schema with the event's EventValidationError", async () => {
      const snap = await good();
      const edited = {
        ...snap,
        inFlight: snap.inFlight.map((i) => ({
          ...i,
          event: { type: "Order", data: { qty: 1.5 } },
        })),
      };
      expect(() => new Shop().resume(edited)).toThrow(EventValidationError);
    });

    it("refuses an event type the workflow no longer has", async () => {
      const snap = await good();
      const edited = { ...snap, waitBuffer: [{ type: "Gone", data: {} }] };
      expect(() => new Shop().resume(edited)).toThrow(/"Gone", which Shop no longer has/);
    });
  });
});
