import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowValidationError,
  step,
} from "../src/index.js";

class Tick extends Event.define({ n: z.number() }) {}

class Loop extends Workflow {
  start = step(
    { accepts: [StartEvent], emits: [Tick] },
    (ev) => new Tick({ n: Number(ev["from"] ?? 0) }),
  );
  tick = step({ accepts: [Tick], emits: [Tick, StopEvent] }, (ev) =>
    ev.n >= 9 ? new StopEvent({ result: ev.n }) : new Tick({ n: ev.n + 1 }),
  );
}

describe("handler.history", () => {
  it("records every invocation in start order with its input and output", async () => {
    const h = new Loop().run({ from: 7 });
    await h;
    expect(
      h.history.map((r) => [
        r.step,
        r.input.constructor.name,
        r.output.map((e) => e.constructor.name),
        r.status,
      ]),
    ).toEqual([
      ["start", "StartEvent", ["Tick"], "completed"],
      ["tick", "Tick", ["Tick"], "completed"],
      ["tick", "Tick", ["Tick"], "completed"],
      ["tick", "Tick", ["StopEvent"], "completed"],
    ]);
    expect(h.historyDropped).toBe(0);
  });

  it("keeps at most historyLimit records and counts the rest", async () => {
    const h = new Loop({ historyLimit: 2 }).run({ from: 0 });
    await h;
    expect(h.history.map((r) => r.step)).toEqual(["start", "tick"]);
    expect(h.historyDropped).toBe(9);
  });

  it("keeps at most historyLimit output events per record, counts the rest, and says nothing otherwise", async () => {
    class Burst extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Tick] }, (_ev, ctx) => {
        for (let n = 0; n < 5; n++) ctx.sendEvent(new Tick({ n }));
      });
      tick = step({ accepts: [Tick], emits: [StopEvent] }, (ev, ctx) => {
        const all = ctx.collectEvents(ev, Tick, { count: 5 });
        return all === null ? null : new StopEvent({ result: all.length });
      });
    }
    const limited = new Burst({ historyLimit: 3 }).run();
    expect(await limited).toBe(5);
    const start = limited.history[0]!;
    expect(start.output.map((e) => (e as Tick).n)).toEqual([0, 1, 2]);
    expect(start.outputDropped).toBe(2);
    const full = new Burst().run();
    await full;
    // Under the limit a record is exactly what it was: no outputDropped key at all.
    expect(full.history[0]).toEqual({
      step: "start",
      input: full.history[0]!.input,
      attempt: 1,
      output: [0, 1, 2, 3, 4].map((n) => new Tick({ n })),
      status: "completed",
    });
    expect(Object.keys(full.history[0]!)).not.toContain("outputDropped");
  });

  it("rejects a historyLimit that is not a count", () => {
    expect(() => new Loop({ historyLimit: -1 })).toThrow(WorkflowValidationError);
    expect(() => new Loop({ historyLimit: 1.5 })).toThrow(/historyLimit/);
  });
});

describe("handler.history: waiting", () => {
  class Approval extends Event.define({ ok: z.boolean() }, { name: "Approval" }) {}
  class Asks extends Workflow {
    static override externalEvents = [Approval];
    ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
      const answer = await ctx.waitForEvent(Approval);
      return new StopEvent({ result: answer.ok });
    });
  }

  it("names the awaited event type while an invocation waits, and drops it once answered", async () => {
    const h = new Asks().run();
    while (h.history[0]?.waitingFor === undefined) await Promise.resolve();
    const record = h.history[0]!;
    expect(record).toMatchObject({ step: "ask", status: "running", waitingFor: "Approval" });
    h.sendEvent(new Approval({ ok: true }));
    await expect(h).resolves.toBe(true);
    expect(record.waitingFor).toBeUndefined();
    expect(record.status).toBe("completed");
  });
});
