import { expect, it } from "vitest";
import { z } from "zod";
import {
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  describeWorkflow,
} from "../src/index.js";

class Counter extends Workflow.withState(
  z.object({ count: z.number().default(0), label: z.string().default("") }),
) {
  bump = this.step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const count = (await ctx.store.get("count")) + 1;
    await ctx.store.set("count", count);
    return new StopEvent({ result: count });
  });
}

it("Workflow.withState(schema): the schema is the class's state; this.step declares steps", async () => {
  expect(describeWorkflow(new Counter()).steps.map((s) => s.name)).toEqual(["bump"]);
  const first = new Counter().run();
  await expect(first).resolves.toBe(1);
  await expect(new Counter().run({}, { context: first.ctx })).resolves.toBe(2);
});

it("the store is still validated by the schema", async () => {
  class Bad extends Workflow.withState(z.object({ count: z.number().default(0) })) {
    bump = this.step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
      await ctx.store.set("count", "one" as never);
      return new StopEvent({ result: 0 });
    });
  }
  await expect(new Bad().run()).rejects.toBeInstanceOf(WorkflowRuntimeError);
});
