// handler.settledSnapshot() (internal, for servers keeping finished runs): the same snapshot as
// handler.snapshot(), taken later, without keeping the handler.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowHandler,
  step,
} from "../src/index.js";

class Go extends StartEvent.define({ n: z.number() }) {}
class Mid extends Event.define({ n: z.number() }) {}

class Counter extends Workflow {
  static override state = z.object({ seen: z.number().default(0) });
  first = step({ accepts: [Go], emits: [Mid] }, async (ev, ctx) => {
    await ctx.store.set("seen", ev.n);
    ctx.writeEventToStream(new Mid({ n: ev.n }));
    return new Mid({ n: ev.n + 1 });
  });
  second = step({ accepts: [Mid], emits: [StopEvent] }, async (ev) => {
    if (ev.n < 0) throw new Error(`negative ${ev.n}`);
    if (ev.n > 100) await new Promise(() => {}); // never ends: cancelled in flight
    return new StopEvent({ result: ev.n * 2 });
  });
}

async function settle(h: WorkflowHandler): Promise<void> {
  await h.then(
    () => {},
    () => {},
  );
}

describe("handler.settledSnapshot()", () => {
  it("is undefined while the run runs", async () => {
    const h = new Counter().run({ n: 1000 });
    expect(h.settledSnapshot()).toBeUndefined();
    await h.cancel();
    expect(h.settledSnapshot()).toBeDefined();
  });

  it.each([
    ["completed", 1],
    ["failed", -5],
    ["cancelled with an invocation in flight", 1000],
  ])("gives what snapshot() gives for a run %s", async (_how, n) => {
    const h = new Counter().run({ n });
    if (n === 1000) {
      for await (const _ of h.streamEvents()) break;
      await new Promise((resolve) => setImmediate(resolve));
      await h.cancel();
    }
    await settle(h);
    const later = h.settledSnapshot()!;
    const now = await h.snapshot();
    expect(now.status).not.toBe("running");
    expect(await later()).toEqual(now);
    expect(now.store).toEqual({ seen: n });
  });

  it("shows the store's defaults for a run that never touched its store", async () => {
    class Plain extends Workflow {
      static override state = z.object({ k: z.string().default("d") });
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
    }
    const h = new Plain().run();
    await h;
    expect((await h.settledSnapshot()!()).store).toEqual({ k: "d" });
    expect((await h.settledSnapshot()!()).result).toBe(1);
  });

  it("keeps neither the handler nor its run", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const kept: (() => Promise<unknown>)[] = [];
    const refs: WeakRef<object>[] = [];
    // In a function of its own: a frame of this test that held the last handler would keep it.
    const runAll = async () => {
      // Completed runs, and failed ones (a failure's Error keeps what its stack was captured
      // over until the stack is read: the run's frames).
      for (let i = 0; i < 20; i++) {
        const h = new Counter().run({ n: i % 2 === 0 ? i : -i });
        await settle(h);
        kept.push(h.settledSnapshot()!);
        refs.push(new WeakRef(h));
      }
    };
    await runAll();
    // A WeakRef read in this job keeps its target until the job ends: collect in a later one.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i]))).toEqual([]);
    expect(await kept[6]!()).toMatchObject({ status: "completed", result: 14, store: { seen: 6 } });
    expect(await kept[7]!()).toMatchObject({
      status: "failed",
      error: { name: "Error", message: "negative -6" },
      store: { seen: -7 },
    });
  });
});
