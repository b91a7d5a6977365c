import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

// #region workflow
class Guess extends Event.define({ value: z.number() }) {}
class TooLow extends Event.define({ value: z.number() }) {}
class TooHigh extends Event.define({ value: z.number() }) {}

/** Binary search for a secret number: a branch (too low / too high) and a loop (guess again). */
class GuessingWorkflow extends Workflow {
  static override state = z.object({
    low: z.number().default(0),
    high: z.number().default(100),
    secret: z.number().default(0),
    tries: z.number().default(0),
  });

  begin = step({ accepts: [StartEvent], emits: [Guess] }, async (ev, ctx) => {
    await ctx.store.set("secret", Number(ev["secret"]));
    return new Guess({ value: 50 });
  });

  // Branch: return one event class or another, or stop.
  check = step(
    { accepts: [Guess], emits: [TooLow, TooHigh, StopEvent] },
    async (ev, ctx: Context<{ secret: number; tries: number }>) => {
      await ctx.store.set("tries", (await ctx.store.get("tries")) + 1);
      const secret = await ctx.store.get("secret");
      if (ev.value < secret) return new TooLow({ value: ev.value });
      if (ev.value > secret) return new TooHigh({ value: ev.value });
      return new StopEvent({
        result: `found ${ev.value} in ${await ctx.store.get("tries")} tries`,
      });
    },
  );

  // Loop: emit an event that an earlier step accepts.
  higher = step(
    { accepts: [TooLow], emits: [Guess] },
    async (ev, ctx: Context<{ low: number; high: number }>) => {
      await ctx.store.set("low", ev.value + 1);
      return new Guess({ value: Math.floor((ev.value + 1 + (await ctx.store.get("high"))) / 2) });
    },
  );

  lower = step(
    { accepts: [TooHigh], emits: [Guess] },
    async (ev, ctx: Context<{ low: number; high: number }>) => {
      await ctx.store.set("high", ev.value - 1);
      return new Guess({ value: Math.floor(((await ctx.store.get("low")) + ev.value - 1) / 2) });
    },
  );
}
// #endregion workflow

console.log(await new GuessingWorkflow().run({ secret: 37 })); // found 37 in 3 tries
