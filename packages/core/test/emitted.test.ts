import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "../src/index.js";

class Ping extends Event.define({ n: z.number() }) {}
class Pong extends Event.define({ n: z.number() }) {}

class PingPong extends Workflow {
  start = step({ accepts: [StartEvent], emits: [Ping] }, (_ev, ctx) => {
    ctx.sendEvent(new Ping({ n: 1 }));
    return new Ping({ n: 2 });
  });
  ping = step({ accepts: [Ping], emits: [Pong] }, (ev) => new Pong({ n: ev.n }));
  pong = step({ accepts: [Pong], emits: [StopEvent] }, (ev, ctx) => {
    const both = ctx.collectEvents(ev, Pong, { count: 2 });
    return both === null ? null : new StopEvent({ result: both.length });
  });
}

const describeEvent = (e: Event) =>
  `${e.constructor.name}${"n" in e ? String((e as unknown as { n: number }).n) : ""}`;

describe("handler.emitted$", () => {
  it("shows every event the steps return or send, in emission order, then completes with the run", async () => {
    const handler = new PingPong().run();
    const seen: string[] = [];
    let completed = false;
    handler.emitted$.subscribe({
      next: (e) => seen.push(describeEvent(e)),
      complete: () => (completed = true),
    });
    expect(await handler).toBe(2);
    expect(seen[0]).toBe("Ping1");
    expect(seen.at(-1)).toBe("StopEvent");
    expect([...seen].sort()).toEqual(["Ping1", "Ping2", "Pong1", "Pong2", "StopEvent"]);
    // A producer's event is seen before what its consumers make of it.
    expect(seen.indexOf("Ping2")).toBeLessThan(seen.indexOf("Pong2"));
    expect(completed).toBe(true);
  });

  it("leaves out the start event and events sent from outside with handler.sendEvent", async () => {
    class Waits extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        const ping = await ctx.waitForEvent(Ping);
        return new StopEvent({ result: ping.n });
      });
    }
    const handler = new Waits().run();
    const seen: Event[] = [];
    handler.emitted$.subscribe((e) => seen.push(e));
    handler.sendEvent(new Ping({ n: 7 }));
    expect(await handler).toBe(7);
    expect(seen.map((e) => e.constructor)).toEqual([StopEvent]);
  });

  it("completes at once for a subscriber that comes after the run has ended", async () => {
    const handler = new PingPong().run();
    await handler;
    const seen: Event[] = [];
    let completed = false;
    handler.emitted$.subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    expect([seen, completed]).toEqual([[], true]);
  });
});
