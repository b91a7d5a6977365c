import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  StartEvent,
  StopEvent,
  Workflow,
  step,
  type UnhandledEvent,
} from "../src/index.js";

class Ans extends HumanResponseEvent.define({ i: z.number() }) {}
class Ready extends Event.define({ n: z.number() }, { name: "Ready" }) {}

describe("waitForEvent and the wait buffer", () => {
  it("receives every event of a synchronous burst in a loop of waits, in order", async () => {
    const N = 1000;
    class Loop extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [Ready] }, () => new Ready({ n: 0 }));
      listen = step({ accepts: [Ready], emits: [StopEvent] }, async (_ev, ctx) => {
        const got: number[] = [];
        for (let k = 0; k < N; k++) got.push((await ctx.waitForEvent(Ans)).i);
        return new StopEvent({ result: got });
      });
    }
    const h = new Loop({ timeout: 10_000 }).run();
    const unhandled: UnhandledEvent[] = [];
    h.unhandled$.subscribe((u) => unhandled.push(u));
    // Send the burst once the step waits: the first answer wakes it, the rest are buffered.
    h.emitted$.subscribe((ev) => {
      if (ev instanceof Ready) {
        queueMicrotask(() => {
          for (let i = 0; i < N; i++) h.sendEvent(new Ans({ i }));
        });
      }
    });
    const result = (await h) as number[];
    expect(result).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(unhandled).toEqual([]);
  });

  it("wakes one waiter per event, oldest first: Promise.all of 5 waits gets 0..4", async () => {
    class Five extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        const all = await Promise.all([0, 1, 2, 3, 4].map(() => ctx.waitForEvent(Ans)));
        return new StopEvent({ result: all.map((a) => a.i) });
      });
    }
    const h = new Five().run();
    for (let i = 0; i < 5; i++) h.sendEvent(new Ans({ i }));
    expect(await h).toEqual([0, 1, 2, 3, 4]);
  });

  it("gives a later wait with requirements the oldest buffered event that meets them", async () => {
    class Picky extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        const first = await ctx.waitForEvent(Ans);
        const three = await ctx.waitForEvent(Ans, { requirements: { i: 3 } });
        const next = await ctx.waitForEvent(Ans);
        return new StopEvent({ result: [first.i, three.i, next.i] });
      });
    }
    const h = new Picky().run();
    for (const i of [1, 2, 3, 4]) h.sendEvent(new Ans({ i }));
    expect(await h).toEqual([1, 3, 2]);
  });

  it("keeps at most waitBufferLimit events; the rest go to unhandled$", async () => {
    class Limited extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.waitForEvent(Ans);
        await ctx.waitForEvent(Ans, { requirements: { i: 5 } });
        return new StopEvent({ result: "done" });
      });
    }
    // The limit comes from the workflow's settings (default 10 000): exceed the default.
    const h = new Limited({ timeout: 10_000 }).run();
    const unhandled: number[] = [];
    h.unhandled$.subscribe((u) => unhandled.push((u.event as Ans).i));
    h.sendEvent(new Ans({ i: 0 }));
    for (let i = 1; i <= 10_005; i++) h.sendEvent(new Ans({ i }));
    await h;
    // Ans 0 woke the first wait; 1..10 000 were kept (the second wait took 5); the rest not.
    expect(unhandled).toEqual([10_001, 10_002, 10_003, 10_004, 10_005]);
  });

  it("does not keep events of a class nobody waits for (they are unhandled at once)", async () => {
    class Other extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        return new StopEvent({ result: "done" });
      });
    }
    const h = new Other({ disableValidation: true }).run();
    const unhandled: UnhandledEvent[] = [];
    h.unhandled$.subscribe((u) => unhandled.push(u));
    h.sendEvent(new Ans({ i: 1 }));
    await h;
    expect(unhandled.map((u) => (u.event as Ans).i)).toEqual([1]);
  });
});
