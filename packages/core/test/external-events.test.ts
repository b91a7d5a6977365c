import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  WorkflowValidationError,
  step,
} from "../src/index.js";

class Quote extends Event.define({ price: z.number() }, { name: "Quote" }) {}
class Approval extends Event.define({ ok: z.boolean() }, { name: "Approval" }) {}
class Note extends Event.define({ text: z.string() }, { name: "Note" }) {}

// Quote arrives only from a bridge or the caller; Approval is only waited for.
class Desk extends Workflow {
  static override externalEvents = [Quote, Approval];
  begin = step({ accepts: [StartEvent], emits: [] }, () => undefined);
  price = step({ accepts: [Quote], emits: [StopEvent] }, async (ev, ctx) => {
    const answer = await ctx.waitForEvent(Approval);
    return new StopEvent({ result: answer.ok ? ev.price : -1 });
  });
}

describe("static externalEvents", () => {
  it("lets a step accept an event no step emits, and a run take it from outside", async () => {
    const h = new Desk().run();
    h.sendEvent(new Quote({ price: 12 }));
    while (h.history.every((r) => r.waitingFor === undefined)) await Promise.resolve();
    h.sendEvent(new Approval({ ok: true }));
    await expect(h).resolves.toBe(12);
  });

  it("without it, a step accepting an event nobody emits fails validation with a hint", () => {
    class Bare extends Workflow {
      begin = step({ accepts: [StartEvent], emits: [] }, () => undefined);
      price = step({ accepts: [Quote], emits: [StopEvent] }, () => new StopEvent({}));
    }
    expect(() => new Bare().run()).toThrow(
      /Event Quote is accepted by price but no step emits it: .*list it in static externalEvents/,
    );
  });

  it("externalEventTypes(): the declared classes and every class a step accepts, no start or stop", () => {
    class Mixed extends Workflow {
      static override externalEvents = [Approval];
      begin = step({ accepts: [StartEvent], emits: [Note] }, () => new Note({ text: "a" }));
      note = step({ accepts: [Note], emits: [StopEvent] }, () => new StopEvent({}));
    }
    expect(
      new Mixed()
        .externalEventTypes()
        .map((c) => c.name)
        .sort(),
    ).toEqual(["Approval", "Note"]);
  });

  it("reviveEvent knows the declared classes, even one no step accepts", () => {
    const ev = new Desk().reviveEvent({ type: "Approval", data: { ok: false } });
    expect(ev).toBeInstanceOf(Approval);
    expect(() => new Desk().reviveEvent({ type: "Approval", data: { ok: "yes" } })).toThrow(/ok/);
    expect(() => new Desk().reviveEvent({ type: "Nope", data: {} })).toThrow(WorkflowRuntimeError);
  });

  it.each([
    ["a start event", [StartEvent], /lists StartEvent, a start event/],
    ["a stop event", [StopEvent], /lists StopEvent, a stop event/],
    ["not an event class", [Object], /externalEvents\[0\] is not an event class/],
    ["not an array", Quote, /must be an array of event classes/],
  ])("rejects %s with a WorkflowValidationError", (_, value, message) => {
    class Bad extends Workflow {
      static override externalEvents = value as never;
      begin = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({}));
    }
    expect(() => new Bad().run()).toThrow(WorkflowValidationError);
    expect(() => new Bad().run()).toThrow(message);
  });
});
