import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowHandler,
  step,
} from "../src/index.js";

class Quote extends Event.define({ symbol: z.string(), price: z.number() }) {}
class Headline extends Event.define({ title: z.string(), tags: z.array(z.string()) }) {}
class Alert extends Event.define({ level: z.enum(["info", "warn"]) }) {}
class TradeStart extends StartEvent.define({ stock: z.string(), qty: z.number().default(1) }) {}
class Done extends StopEvent.define({ total: z.number() }) {}

describe("event types", () => {
  it("types the fields from the zod schema, output side", () => {
    const q = new Quote({ symbol: "NVDA", price: 1 });
    expectTypeOf(q.symbol).toEqualTypeOf<string>();
    expectTypeOf(q.price).toEqualTypeOf<number>();
    const s = new TradeStart({ stock: "A" });
    expectTypeOf(s.qty).toEqualTypeOf<number>();
  });

  it("takes the zod input type in the constructor", () => {
    new TradeStart({ stock: "A" }); // qty has a default: optional in the input
    // @ts-expect-error price must be a number
    new Quote({ symbol: "NVDA", price: "1" });
    // @ts-expect-error level is an enum
    new Alert({ level: "error" });
  });

  it("gives a plain StartEvent unknown fields and a typed one no index signature", () => {
    const plain = new StartEvent({ payload: 1 });
    expectTypeOf(plain["payload"]).toEqualTypeOf<unknown>();
    const typed = new TradeStart({ stock: "A" });
    // @ts-expect-error a typed start event has exactly its declared fields
    void typed["payload"];
  });
});

describe("step fields", () => {
  it("infers the event parameter from accepts", () => {
    step({ accepts: [Quote], emits: [] }, (ev) => {
      expectTypeOf(ev).toEqualTypeOf<Quote>();
    });
    step({ accepts: [Quote, Headline], emits: [] }, (ev) => {
      expectTypeOf(ev).toEqualTypeOf<Quote | Headline>();
    });
    step({ accepts: [StartEvent], emits: [] }, (ev, ctx) => {
      expectTypeOf(ev).toEqualTypeOf<StartEvent>();
      expectTypeOf(ctx.runId).toEqualTypeOf<string>();
    });
  });

  it("accepts a return of any event class in emits, nothing, or a promise of either", () => {
    step({ accepts: [Quote], emits: [Alert, Headline] }, (ev) =>
      ev.price > 1 ? new Alert({ level: "warn" }) : new Headline({ title: "t", tags: [] }),
    );
    step({ accepts: [Quote], emits: [Alert] }, async () => null);
    step({ accepts: [Quote], emits: [] }, () => undefined);
  });

  it("rejects at compile time a returned event class outside emits", () => {
    // @ts-expect-error Headline is not in emits
    step({ accepts: [Quote], emits: [Alert] }, () => new Headline({ title: "t", tags: [] }));
    // @ts-expect-error Quote is not in emits (async)
    step({ accepts: [Alert], emits: [Headline] }, async () => new Quote({ symbol: "x", price: 1 }));
    // @ts-expect-error a step returns events, not plain values
    step({ accepts: [Quote], emits: [Alert] }, () => "done");
  });

  it("types the store with Context<State>", () => {
    type State = { count: number; name: string };
    step({ accepts: [Quote], emits: [] }, async (ev, ctx: Context<State>) => {
      expectTypeOf(ev).toEqualTypeOf<Quote>();
      expectTypeOf(await ctx.store.get("count")).toEqualTypeOf<number>();
      // @ts-expect-error count is a number
      await ctx.store.set("count", "many");
      // @ts-expect-error not a key of the state
      await ctx.store.get("missing");
    });
  });
});

describe("decorated methods", () => {
  it("rejects at compile time a method whose return type has an event class outside emits", () => {
    class Checked extends Workflow {
      @step({ accepts: [Quote], emits: [Alert] })
      fine(ev: Quote) {
        return ev.price > 0 ? new Alert({ level: "info" }) : undefined;
      }

      // @ts-expect-error Headline is not in emits
      @step({ accepts: [Quote], emits: [Alert] })
      async wrong(_ev: Quote) {
        return new Headline({ title: "t", tags: [] });
      }

      // @ts-expect-error a step returns events, not plain values
      @step({ accepts: [Quote], emits: [Alert] })
      notAnEvent(_ev: Quote) {
        return 42;
      }

      // A broad declared return type is allowed, so subclasses may override with other emits.
      @step({ accepts: [Alert], emits: [StopEvent] })
      async broad(_ev: Alert): Promise<Event | void> {
        return new StopEvent({ result: 1 });
      }
    }
    void Checked;
  });

  it("rejects a method whose event parameter is not what accepts gives", () => {
    class Mismatch extends Workflow {
      // @ts-expect-error the step accepts Quote, not Headline
      @step({ accepts: [Quote], emits: [] })
      handle(_ev: Headline) {}
    }
    void Mismatch;
  });
});

describe("run()", () => {
  class Plain extends Workflow {
    start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
  }
  class Typed extends Workflow {
    start = step({ accepts: [TradeStart], emits: [Quote] }, (ev) => {
      return new Quote({ symbol: ev.stock, price: ev.qty });
    });
    end = step({ accepts: [Quote], emits: [Done] }, (ev) => new Done({ total: ev.price }));
  }

  it("resolves to unknown for a plain StopEvent", () => {
    expectTypeOf(new Plain().run()).toEqualTypeOf<WorkflowHandler<unknown>>();
    expectTypeOf(new Plain().run({ anything: 1 }).result).resolves.toBeUnknown();
  });

  it("resolves to the custom stop event for a StopEvent.define() class", () => {
    const handler = new Typed().run({ stock: "NVDA" });
    expectTypeOf(handler.result).resolves.toEqualTypeOf<Done>();
    expectTypeOf(handler).toEqualTypeOf<WorkflowHandler<Done>>();
  });

  it("takes the typed start event's input", () => {
    new Typed().run({ stock: "NVDA", qty: 2 });
    new Typed().run({ stock: "NVDA" });
    // @ts-expect-error stock must be a string
    new Typed().run({ stock: 1 });
    // @ts-expect-error stock is required
    new Typed().run({ qty: 2 });
  });
});
