import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  step,
} from "../src/index.js";

class A extends Event.define({ n: z.number() }) {}
class B extends Event.define({ n: z.number() }) {}
class C extends Event.define({ n: z.number() }) {}

type Lettered = A | B | C;
const label = (e: Lettered) => `${e.constructor.name}${e.n}`;

/** Sends `events` in order from the start step; `gather` decides when to stop. */
function sendingWorkflow(
  events: () => Lettered[],
  gather: (ev: Lettered, ctx: Context) => StopEvent | null,
  numWorkers = 4,
) {
  return class Sending extends Workflow {
    start = step({ accepts: [StartEvent], emits: [A, B, C] }, (_ev, ctx) => {
      for (const e of events()) ctx.sendEvent(e);
    });
    gather = step({ accepts: [A, B, C], emits: [StopEvent], numWorkers }, (ev, ctx) =>
      gather(ev, ctx),
    );
  };
}

describe("ctx.collectEvents (list form)", () => {
  it("returns null until one of each expected class is buffered, then the events in the expected order", async () => {
    const nulls: string[] = [];
    const Wf = sendingWorkflow(
      () => [new C({ n: 1 }), new A({ n: 1 }), new B({ n: 1 })],
      (ev, ctx) => {
        const got = ctx.collectEvents(ev, [A, B, C]);
        if (got === null) {
          nulls.push(label(ev));
          return null;
        }
        return new StopEvent({ result: got.map(label) });
      },
    );
    expect(await new Wf().run()).toEqual(["A1", "B1", "C1"]);
    expect(nulls).toEqual(["C1", "A1"]);
  });

  it("keeps events beyond the expected set, in arrival order, for the next collection", async () => {
    const batches: string[][] = [];
    const Wf = sendingWorkflow(
      () => [
        new A({ n: 1 }),
        new A({ n: 2 }),
        new B({ n: 1 }),
        new A({ n: 3 }),
        new C({ n: 1 }),
        new B({ n: 2 }),
        new C({ n: 2 }),
        new B({ n: 3 }),
        new C({ n: 3 }),
      ],
      (ev, ctx) => {
        const got = ctx.collectEvents(ev, [A, B, C]);
        if (got === null) return null;
        batches.push(got.map(label));
        return batches.length === 3 ? new StopEvent({ result: batches }) : null;
      },
      1,
    );
    expect(await new Wf().run()).toEqual([
      ["A1", "B1", "C1"],
      ["A2", "B2", "C2"],
      ["A3", "B3", "C3"],
    ]);
  });

  it("collects a class listed twice as two events of that class, in arrival order", async () => {
    const Wf = sendingWorkflow(
      () => [new A({ n: 1 }), new B({ n: 1 }), new A({ n: 2 })],
      (ev, ctx) => {
        const got = ctx.collectEvents(ev, [A, B, A]);
        return got === null ? null : new StopEvent({ result: got.map(label) });
      },
    );
    expect(await new Wf().run()).toEqual(["A1", "B1", "A2"]);
  });

  it("keeps a separate buffer per bufferId", async () => {
    const Wf = sendingWorkflow(
      () => [new A({ n: 1 }), new B({ n: 2 }), new A({ n: 2 }), new B({ n: 1 })],
      (ev, ctx) => {
        const got = ctx.collectEvents(ev, [A, B], { bufferId: `request-${ev.n}` });
        return got === null ? null : new StopEvent({ result: got.map(label) });
      },
    );
    // Request 2 completes first (A2 arrives before B1), and never takes request 1's A1.
    expect(await new Wf().run()).toEqual(["A2", "B2"]);
  });

  it("keeps a separate buffer per step", async () => {
    class Done extends Event.define({ by: z.string(), got: z.array(z.string()) }) {}
    class TwoCollectors extends Workflow {
      start = step({ accepts: [StartEvent], emits: [A, B] }, (_ev, ctx) => {
        ctx.sendEvent(new A({ n: 1 }));
        ctx.sendEvent(new B({ n: 1 }));
      });
      left = step({ accepts: [A, B], emits: [Done] }, (ev, ctx) => {
        const got = ctx.collectEvents(ev, [A, B]);
        return got === null ? null : new Done({ by: "left", got: got.map(label) });
      });
      right = step({ accepts: [A, B], emits: [Done] }, (ev, ctx) => {
        const got = ctx.collectEvents(ev, [B, A]);
        return got === null ? null : new Done({ by: "right", got: got.map(label) });
      });
      end = step({ accepts: [Done], emits: [StopEvent] }, (ev, ctx) => {
        const both = ctx.collectEvents(ev, Done, { count: 2 });
        return both === null
          ? null
          : new StopEvent({ result: Object.fromEntries(both.map((d) => [d.by, d.got])) });
      });
    }
    expect(await new TwoCollectors().run()).toEqual({ left: ["A1", "B1"], right: ["B1", "A1"] });
  });

  it("throws WorkflowRuntimeError when called on handler.ctx", async () => {
    const Wf = sendingWorkflow(
      () => [new A({ n: 1 })],
      () => new StopEvent({ result: "done" }),
    );
    const handler = new Wf().run();
    expect(() => handler.ctx.collectEvents(new A({ n: 1 }), [A])).toThrow(WorkflowRuntimeError);
    expect(await handler).toBe("done");
  });
});

describe("ctx.collectEvents (count form)", () => {
  it("collects n events of one class in arrival order, and keeps the rest for the next batch", async () => {
    const batches: number[][] = [];
    const Wf = sendingWorkflow(
      () => [5, 3, 9, 1, 7, 2].map((n) => new A({ n })),
      (ev, ctx) => {
        const got = ctx.collectEvents(ev, A, { count: 3 });
        if (got === null) return null;
        batches.push(got.map((e) => e.n));
        return batches.length === 2 ? new StopEvent({ result: batches }) : null;
      },
      1,
    );
    expect(await new Wf().run()).toEqual([
      [5, 3, 9],
      [1, 7, 2],
    ]);
  });

  it("shares the per-class queues with the list form", async () => {
    const Wf = sendingWorkflow(
      () => [new A({ n: 1 }), new A({ n: 2 }), new A({ n: 3 }), new B({ n: 1 })],
      (ev, ctx) => {
        if (ev instanceof A) {
          ctx.collectEvents(ev, [A, B]);
          return null;
        }
        // A1 went to the list collection with B1; the count form gets what is left.
        const pair = ctx.collectEvents(ev, [A, B]);
        const rest = ctx.collectEvents(new A({ n: 4 }), A, { count: 3 });
        return new StopEvent({ result: { pair: pair?.map(label), rest: rest?.map(label) } });
      },
      1,
    );
    expect(await new Wf().run()).toEqual({ pair: ["A1", "B1"], rest: ["A2", "A3", "A4"] });
  });

  it.each([0, -1, 1.5])("rejects count %s with WorkflowRuntimeError", async (count) => {
    const Wf = sendingWorkflow(
      () => [new A({ n: 1 })],
      (ev, ctx) => {
        ctx.collectEvents(ev, A, { count });
        return new StopEvent({ result: "unreachable" });
      },
    );
    await expect(new Wf().run()).rejects.toBeInstanceOf(WorkflowRuntimeError);
  });
});

describe("fan-in cost", () => {
  class Item extends Event.define({ n: z.number() }) {}
  class Marker extends Event.define({ n: z.number() }) {}

  /** n items fanned in with the count form. */
  class CountFanIn extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Item] }, async (ev, ctx) => {
      const n = ev["n"] as number;
      await ctx.store.set("n", n);
      for (let i = 0; i < n; i++) ctx.sendEvent(new Item({ n: i }));
    });
    gather = step({ accepts: [Item], emits: [StopEvent] }, async (ev, ctx) => {
      const n = (await ctx.store.get("n", 0)) as number;
      const all = ctx.collectEvents(ev, Item, { count: n });
      return all === null ? null : new StopEvent({ result: all.length });
    });
  }

  /** n items buffered first, then n markers that each complete an [Item, Marker] pair. */
  class PairFanIn extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Item, Marker] }, async (ev, ctx) => {
      const n = ev["n"] as number;
      await ctx.store.set("n", n);
      for (let i = 0; i < n; i++) ctx.sendEvent(new Item({ n: i }));
      for (let i = 0; i < n; i++) ctx.sendEvent(new Marker({ n: i }));
    });
    gather = step(
      { accepts: [Item, Marker], emits: [StopEvent], numWorkers: 1 },
      async (ev, ctx) => {
        const n = (await ctx.store.get("n", 0)) as number;
        const pair = ctx.collectEvents(ev, [Item, Marker]);
        if (pair === null || pair[1].n !== n - 1) return null;
        return new StopEvent({ result: pair[0].n + 1 });
      },
    );
  }

  async function timed(Wf: new () => Workflow, n: number): Promise<number> {
    const t0 = performance.now();
    expect(await new Wf().run({ n })).toBe(n);
    return performance.now() - t0;
  }

  async function median(Wf: new () => Workflow, n: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await timed(Wf, n));
    return times.sort((a, b) => a - b)[2]!;
  }

  // 10x the events must cost about 10x the time; quadratic would be 100x. The bound of 20x
  // leaves room for a loaded machine and for GC at the larger size.
  it.each([
    ["count form", CountFanIn],
    ["list form with many events buffered", PairFanIn],
  ] as const)("grows linearly with the number of events (%s)", async (_name, Wf) => {
    await median(Wf, 500); // warm up the JIT
    const small = await median(Wf, 2_000);
    const large = await median(Wf, 20_000);
    expect(large / Math.max(small, 1)).toBeLessThan(20);
  });
});
