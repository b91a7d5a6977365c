import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { StartEvent, StopEvent, Workflow, step } from "../src/index.js";

const State = z.object({ count: z.number().default(0), label: z.string().default("") });

describe("Workflow.withState(schema)", () => {
  it("types ctx.store in this.step handlers from the schema", () => {
    class Counter extends Workflow.withState(State) {
      static override workflowName = "Counter";
      bump = this.step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
        expectTypeOf(ev).toEqualTypeOf<StartEvent>();
        const count = await ctx.store.get("count");
        expectTypeOf(count).toEqualTypeOf<number>();
        expectTypeOf(await ctx.store.get("label")).toEqualTypeOf<string>();
        // @ts-expect-error the store has no such key
        await ctx.store.get("missing");
        // @ts-expect-error count is a number
        await ctx.store.set("count", "one");
        return new StopEvent({ result: count + 1 });
      });
    }
    expectTypeOf(new Counter().run()).toHaveProperty("result");
  });

  it("the plain step() form keeps working in the same class", () => {
    class Mixed extends Workflow.withState(State) {
      plain = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        expectTypeOf(ctx.store.get).toBeFunction();
        return new StopEvent({ result: 1 });
      });
    }
    expectTypeOf(new Mixed()).toMatchTypeOf<Workflow>();
  });
});
