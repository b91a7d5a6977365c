import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  WorkflowRuntimeError,
  WorkflowValidationError,
  step,
} from "../src/index.js";

class Next extends Event.define({ n: z.number() }) {}

describe("ctx.store", () => {
  it("keeps values for the run, across steps", async () => {
    class Counter extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Next] }, async (_ev, ctx) => {
        await ctx.store.set("seen", ["start"]);
        return new Next({ n: 1 });
      });
      next = step({ accepts: [Next], emits: [StopEvent] }, async (_ev, ctx) => {
        const seen = (await ctx.store.get("seen")) as string[];
        return new StopEvent({ result: [...seen, "next"] });
      });
    }
    expect(await new Counter().run()).toEqual(["start", "next"]);
  });

  it("returns the default for a missing key, and the stored value once set", async () => {
    class Defaults extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        const before = await ctx.store.get("count", 10);
        await ctx.store.set("count", 3);
        const after = await ctx.store.get("count", 10);
        return new StopEvent({ result: [before, after] });
      });
    }
    expect(await new Defaults().run()).toEqual([10, 3]);
  });

  it("rejects get of a missing key with no default, naming the key and how to fix it", async () => {
    class Missing extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        return new StopEvent({ result: await ctx.store.get("user") });
      });
    }
    const handler = new Missing().run();
    await expect(handler).rejects.toThrow(WorkflowRuntimeError);
    await expect(handler).rejects.toThrow(
      'Missing: store has no key "user": set it first, or pass a default: ctx.store.get("user", fallback)',
    );
  });

  it("gives each run its own store", async () => {
    class PerRun extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
        const had = await ctx.store.get("mine", "nothing");
        await ctx.store.set("mine", ev["id"]);
        return new StopEvent({ result: had });
      });
    }
    const wf = new PerRun();
    expect(await Promise.all([wf.run({ id: 1 }), wf.run({ id: 2 })])).toEqual([
      "nothing",
      "nothing",
    ]);
  });

  it("is shared with the caller through handler.ctx", async () => {
    class Shared extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.store.set("answer", 42);
        return new StopEvent();
      });
    }
    const handler = new Shared().run();
    await handler;
    expect(await handler.ctx.store.get("answer")).toBe(42);
  });
});

describe("static state schema", () => {
  const TradeState = z.object({
    stock: z.string().default("none"),
    counter: z.number().int().min(0).default(0),
    note: z.string().optional(),
  });
  type TradeState = z.output<typeof TradeState>;

  class Stateful extends Workflow {
    static override state = TradeState;
    start = step(
      { accepts: [StartEvent], emits: [StopEvent] },
      async (ev, ctx: Context<TradeState>) => {
        const initial = [await ctx.store.get("stock"), await ctx.store.get("counter")];
        if (ev["bad"] !== undefined) await ctx.store.set("counter", ev["bad"] as number);
        await ctx.store.set("counter", 2);
        return new StopEvent({ result: [...initial, await ctx.store.get("counter")] });
      },
    );
  }

  it("starts the store from the schema's defaults", async () => {
    expect(await new Stateful().run()).toEqual(["none", 0, 2]);
  });

  it("validates every set: a rejected value is a WorkflowRuntimeError with the ZodError as cause", async () => {
    const handler = new Stateful().run({ bad: -1 });
    const error = await handler.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowRuntimeError);
    expect((error as Error).message).toMatch(/Stateful: invalid value for store key "counter"/);
    expect((error as Error).cause).toBeInstanceOf(z.ZodError);
    expect(handler.status).toBe("failed");
  });

  it("rejects a key that is not in the schema, listing the keys", async () => {
    class Typo extends Workflow {
      static override state = TradeState;
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.store.set("stcok", "NVDA");
        return new StopEvent();
      });
    }
    const handler = new Typo().run();
    await expect(handler).rejects.toThrow(
      'Typo: store key "stcok" is not in the workflow\'s state schema (keys: stock, counter, note)',
    );
    const events: unknown[] = [];
    for await (const ev of handler.streamEvents()) events.push(ev);
    expect(events.at(-1)).toBeInstanceOf(WorkflowFailedEvent);
  });

  it("rejects a schema whose fields lack defaults when the run starts, naming the fields", () => {
    class NoDefaults extends Workflow {
      static override state = z.object({ stock: z.string(), counter: z.number().default(0) });
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent());
    }
    const run = () => new NoDefaults().run();
    expect(run).toThrow(WorkflowValidationError);
    expect(run).toThrow(
      "NoDefaults: static state must give every field a default (or make it optional): stock",
    );
  });
});
