import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowError,
  WorkflowRuntimeError,
  WorkflowValidationError,
  eventSchema,
  eventTypeName,
  isEventClass,
  step,
} from "../src/index.js";

class SecondStepEvent extends Event.define({ payload: z.string() }) {}
class Order extends Event.define({
  id: z.string(),
  items: z.array(z.object({ sku: z.string(), price: z.number().positive() })),
}) {}

describe("Event.define", () => {
  it("validates the data and exposes the parsed fields", () => {
    const ev = new SecondStepEvent({ payload: "hi" });
    expect(ev.payload).toBe("hi");
    expect(ev).toBeInstanceOf(Event);
    expect(eventSchema(SecondStepEvent)).toBeInstanceOf(z.ZodObject);
    expect(SecondStepEvent.schema).toBe(eventSchema(SecondStepEvent));
  });

  it("throws EventValidationError naming the event type and the failing paths, with the ZodError as cause", () => {
    let caught: unknown;
    try {
      new Order({ id: 7, items: [{ sku: "a", price: -1 }] } as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EventValidationError);
    expect(caught).toBeInstanceOf(WorkflowError);
    const err = caught as EventValidationError;
    expect(err.eventType).toBe("Order");
    expect(err.paths).toEqual(["id", "items.0.price"]);
    expect(err.message).toMatch(/Invalid data for event Order/);
    expect(err.message).toContain("id:");
    expect(err.message).toContain("items.0.price:");
    expect(err.cause).toBeInstanceOf(z.ZodError);
    expect(err.code).toBe("EVENT_VALIDATION");
  });

  it("strips unknown keys, so they never reach the event or its JSON", () => {
    const ev = new SecondStepEvent({ payload: "x", extra: 1 } as never);
    expect("extra" in ev).toBe(false);
    expect(ev.toJSON()).toEqual({ type: "SecondStepEvent", data: { payload: "x" } });
  });

  it("applies schema defaults and transforms", () => {
    class Defaults extends Event.define({
      n: z.number().default(3),
      tags: z.string().transform((s) => s.split(",")),
    }) {}
    const ev = new Defaults({ tags: "a,b" });
    expect(ev.n).toBe(3);
    expect(ev.tags).toEqual(["a", "b"]);
  });

  it("rejects a shape that is not an object with WorkflowValidationError", () => {
    expect(() => Event.define(null as never)).toThrow(WorkflowValidationError);
    expect(() => Event.define("payload" as never)).toThrow(/object of zod schemas/);
  });
});

describe("type names", () => {
  const BaseEvent = Event.define({ payload: z.string().nullable() });
  class Buy extends BaseEvent {}
  class Sell extends BaseEvent {
    static override typeName = "trading.Sell";
  }
  class Versioned extends Event.define({ v: z.number() }) {
    static override typeName = "Versioned.v2";
  }
  class Child extends Versioned {}
  const Named = Event.define({ x: z.number() }, { name: "NamedEvent" });

  it("is the class name of a subclass, never the base's", () => {
    expect(eventTypeName(Buy)).toBe("Buy");
    expect(new Buy({ payload: null }).toJSON().type).toBe("Buy");
  });

  it("is a class's own static typeName when it declares one", () => {
    expect(eventTypeName(Sell)).toBe("trading.Sell");
    expect(eventTypeName(Versioned)).toBe("Versioned.v2");
  });

  it("does not inherit a parent's typeName", () => {
    expect(eventTypeName(Child)).toBe("Child");
  });

  it("is the name option for a define() class used directly", () => {
    expect(eventTypeName(Named)).toBe("NamedEvent");
    expect(new Named({ x: 1 }).toJSON()).toEqual({ type: "NamedEvent", data: { x: 1 } });
  });

  it("names the built-in events after their classes", () => {
    expect(
      [StartEvent, StopEvent, InputRequiredEvent, HumanResponseEvent].map(eventTypeName),
    ).toEqual(["StartEvent", "StopEvent", "InputRequiredEvent", "HumanResponseEvent"]);
  });

  it("tells event classes from other values", () => {
    expect(isEventClass(Buy)).toBe(true);
    expect(isEventClass(Event)).toBe(true);
    expect(isEventClass(class NotAnEvent {})).toBe(false);
    expect(isEventClass(new Buy({ payload: "x" }))).toBe(false);
  });
});

describe("StartEvent", () => {
  it("plain: carries arbitrary fields to the first step", async () => {
    class Echo extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev) => {
        return new StopEvent({ result: [ev["payload"], ev["count"]] });
      });
    }
    expect(await new Echo().run({ payload: "p", count: 2 })).toEqual(["p", 2]);
    expect(await new Echo().run()).toEqual([undefined, undefined]);
  });

  it("typed: run(input) builds and validates it, and it has exactly the declared fields", async () => {
    class TradeStart extends StartEvent.define({ stock: z.string(), qty: z.number().default(1) }) {}
    class Trade extends Workflow {
      start = step({ accepts: [TradeStart], emits: [StopEvent] }, (ev) => {
        expect(ev).toBeInstanceOf(TradeStart);
        return new StopEvent({ result: ev.toJSON().data });
      });
    }
    expect(await new Trade().run({ stock: "NVDA", junk: true } as never)).toEqual({
      stock: "NVDA",
      qty: 1,
    });
    expect(eventTypeName(TradeStart)).toBe("TradeStart");
  });

  it("run(event) accepts a ready-made start event of the workflow's class", async () => {
    class Echo extends Workflow {
      start = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev["n"] }),
      );
    }
    expect(await new Echo().run(new StartEvent({ n: 5 }))).toBe(5);
  });
});

describe("StopEvent", () => {
  it("plain: the run resolves to its result", async () => {
    class Plain extends Workflow {
      start = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        () => new StopEvent({ result: { ok: true } }),
      );
    }
    expect(await new Plain().run()).toEqual({ ok: true });
  });

  it("custom: the run resolves to the stop event itself", async () => {
    class Done extends StopEvent.define({ total: z.number(), currency: z.string() }) {}
    class Custom extends Workflow {
      start = step(
        { accepts: [StartEvent], emits: [Done] },
        () => new Done({ total: 12, currency: "EUR" }),
      );
    }
    const result = await new Custom().run();
    expect(result).toBeInstanceOf(Done);
    expect(result).toBeInstanceOf(StopEvent);
    expect(result.total).toBe(12);
    expect(result.currency).toBe("EUR");
  });
});

describe("InputRequiredEvent and HumanResponseEvent", () => {
  it("streams a returned InputRequiredEvent; the human's answer comes back with handler.sendEvent", async () => {
    class Ask extends Workflow {
      ask = step(
        { accepts: [StartEvent], emits: [InputRequiredEvent] },
        () => new InputRequiredEvent({ prompt: "Proceed?" }),
      );
      answer = step(
        { accepts: [HumanResponseEvent], emits: [StopEvent] },
        (ev) => new StopEvent({ result: `human said ${String(ev["response"])}` }),
      );
    }
    const handler = new Ask().run();
    const seen: string[] = [];
    for await (const ev of handler.streamEvents()) {
      seen.push(eventTypeName(ev.constructor as typeof Event));
      if (ev instanceof InputRequiredEvent) {
        expect(ev["prompt"]).toBe("Proceed?");
        handler.sendEvent(new HumanResponseEvent({ response: "yes" }));
      }
    }
    expect(seen).toEqual(["InputRequiredEvent", "StopEvent"]);
    expect(await handler).toBe("human said yes");
  });

  it("routes an InputRequiredEvent to a step that accepts it, and streams it too", async () => {
    class Question extends InputRequiredEvent.define({ question: z.string() }) {}
    class Answer extends HumanResponseEvent.define({ answer: z.string() }) {}
    class SelfAnswer extends Workflow {
      ask = step(
        { accepts: [StartEvent], emits: [Question] },
        () => new Question({ question: "2+2?" }),
      );
      bot = step({ accepts: [Question], emits: [Answer] }, () => new Answer({ answer: "4" }));
      done = step(
        { accepts: [Answer], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.answer }),
      );
    }
    const handler = new SelfAnswer().run();
    const streamed: Event[] = [];
    handler.events$.subscribe((e) => streamed.push(e));
    expect(await handler).toBe("4");
    expect(streamed.map((e) => e.constructor)).toEqual([Question, StopEvent]);
    expect(() => new Answer({ answer: 4 } as never)).toThrow(EventValidationError);
  });
});

describe("toJSON and workflow.reviveEvent", () => {
  class Priced extends Event.define({ sku: z.string(), price: z.number() }) {}
  class Shop extends Workflow {
    start = step(
      { accepts: [StartEvent], emits: [Priced] },
      () => new Priced({ sku: "a", price: 1 }),
    );
    end = step(
      { accepts: [Priced], emits: [StopEvent] },
      (ev) => new StopEvent({ result: ev.price }),
    );
  }

  it("round-trips an event through JSON text into an equal instance of its class", () => {
    const ev = new Priced({ sku: "x-1", price: 9.5 });
    const json = JSON.parse(JSON.stringify(ev)) as ReturnType<Priced["toJSON"]>;
    expect(json).toEqual({ type: "Priced", data: { sku: "x-1", price: 9.5 } });
    const revived = new Shop().reviveEvent(json);
    expect(revived).toBeInstanceOf(Priced);
    expect(revived).toEqual(ev);
  });

  it("revives the built-in events too", () => {
    const revived = new Shop().reviveEvent(new StopEvent({ result: [1, 2] }).toJSON());
    expect(revived).toBeInstanceOf(StopEvent);
    expect((revived as StopEvent).result).toEqual([1, 2]);
  });

  it("validates revived data", () => {
    expect(() => new Shop().reviveEvent({ type: "Priced", data: { sku: "x" } })).toThrow(
      EventValidationError,
    );
  });

  it("throws WorkflowRuntimeError naming an unknown type", () => {
    const revive = () => new Shop().reviveEvent({ type: "Refund", data: {} });
    expect(revive).toThrow(WorkflowRuntimeError);
    expect(revive).toThrow(/Shop has no event type "Refund"/);
  });

  it("throws WorkflowRuntimeError for something that is not { type, data }", () => {
    expect(() => new Shop().reviveEvent("Priced" as never)).toThrow(WorkflowRuntimeError);
  });
});
