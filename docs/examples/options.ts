import { z } from "zod";
import {
  type Context,
  type RunOptions,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowOptions,
  WorkflowValidationError,
  step,
} from "@eventloom/core";

// #region workflow
type CounterState = { count: number };

class Counter extends Workflow {
  static override state = z.object({ count: z.number().default(0) });

  bump = step(
    { accepts: [StartEvent], emits: [StopEvent], numWorkers: 1, timeout: 1_000 },
    async (_ev, ctx: Context<CounterState>) => {
      const count = (await ctx.store.get("count")) + 1;
      await ctx.store.set("count", count);
      return new StopEvent({ result: count });
    },
  );
}

// Workflow options: every run of this instance.
const counter = new Counter({ timeout: 10_000, historyLimit: 100, streamLimit: 1_000 });
// #endregion workflow

// #region run-options
const first = counter.run({}, { timeout: 5_000 }); // this run's own timeout
console.log(await first); // 1
const second = counter.run({}, { context: first.ctx }); // starts from first's store
console.log(await second); // 2
// #endregion run-options

// #region unknown-keys
// Options that TypeScript cannot check (read from a file, or passed from JavaScript):
const fromFile = JSON.parse('{ "timout": 5000 }') as WorkflowOptions;
try {
  new Counter(fromFile);
} catch (error) {
  if (error instanceof WorkflowValidationError) console.log(error.problems[0]);
}

// The Python spelling, run(ctx=...), points at context:
const pythonic: Record<string, unknown> = { ctx: first.ctx };
try {
  counter.run({}, pythonic as RunOptions);
} catch (error) {
  if (error instanceof WorkflowValidationError) console.log(error.problems[0]);
}
// #endregion unknown-keys
