// The workflow the takeover test drives in two worker processes, and what each run must end
// with. Run n: `begin` fans out to 2 or 3 `work` parts (4 workers); a part fails its first
// attempt when (n + part) % 4 === 0 and is retried at once; `gather` fans them back in with
// collectEvents; `finish` stops with the result. Every step writes to the stream and the store.
import {
  Event,
  type EventClass,
  eventTypeName,
  type Journal,
  type RetryPolicy,
  StartEvent,
  StopEvent,
  Workflow,
  step,
  type Context,
} from "@eventloom/core";
import { z } from "zod";

export class TakeoverStart extends StartEvent.define({ n: z.number().int() }) {
  static override typeName = "TakeoverStart";
}
export class Part extends Event.define({ n: z.number(), part: z.number() }, { name: "Part" }) {}
export class Done extends Event.define(
  { n: z.number(), part: z.number(), value: z.number() },
  { name: "Done" },
) {}
export class Gathered extends Event.define(
  { n: z.number(), sum: z.number() },
  { name: "Gathered" },
) {}
/** A stream event: what a step did, unique within its run. */
export class Progress extends Event.define(
  { n: z.number(), label: z.string() },
  { name: "Progress" },
) {}

/** What a run's result is. */
export interface TakeoverResult {
  readonly n: number;
  readonly sum: number;
  readonly parts: number;
}

/** Called at the start of every step execution (each attempt, each re-run after a kill). */
export type SideEffect = (ctx: Context, step: string) => void;

const retryAtOnce: RetryPolicy = { next: ({ attempt }) => (attempt < 3 ? 0 : null) };

/** How many parts run n fans out to. */
export const partsOf = (n: number): number => (n % 2 === 0 ? 3 : 2);
/** Whether the first attempt of part `part` of run n fails. */
export const failsFirst = (n: number, part: number): boolean => (n + part) % 4 === 0;

/** The result run n must end with. */
export function expectedResult(n: number): TakeoverResult {
  let sum = 0;
  for (let part = 0; part < partsOf(n); part++) sum += n * 10 + part;
  return { n, sum, parts: partsOf(n) };
}

/** The stream run n must end with: the parts in any order between "begin" and "gathered". */
export function expectedStream(n: number): { head: string[]; parts: string[]; tail: string[] } {
  return {
    head: ["begin"],
    parts: Array.from({ length: partsOf(n) }, (_, part) => `work ${part}`),
    tail: ["gathered", "finished", "StopEvent"],
  };
}

/** The step executions (attempts) run n makes when nothing is killed. */
export function executionsOf(n: number): number {
  let failures = 0;
  for (let part = 0; part < partsOf(n); part++) if (failsFirst(n, part)) failures++;
  // begin and finish once; work and gather once per part; one more work attempt per failure.
  return 2 + 2 * partsOf(n) + failures;
}

/** A label for a stream event: a Progress label, else the event's type name. */
export function labelOf(event: Event): string {
  return event instanceof Progress ? event.label : eventTypeName(event.constructor as EventClass);
}

/** A short pause drawn from the invocation (a re-run pauses alike), so runs drift apart. */
function pause(ctx: Context, n: number): Promise<void> {
  let h = 2166136261;
  for (const ch of `${ctx.runId} ${ctx.invocationId}`)
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const ms = ((h >>> 0) % 4) + (n % 5);
  return new Promise((resolve) => globalThis.setTimeout(resolve, ms));
}

/** The takeover test's workflow on `journal`; `effect` records each step execution. */
export function takeoverWorkflow(journal: Journal, effect: SideEffect): Workflow {
  class TakeoverWorkflow extends Workflow {
    static override workflowName = "TakeoverWorkflow";
    // Progress is listed so that a process replaying a stream before any of its steps wrote one
    // revives it as its own class (core-bug-stream-only-classes.test.ts in @eventloom/sqlite).
    static override externalEvents = [Progress];

    begin = step({ accepts: [TakeoverStart], emits: [Part] }, async (ev, ctx) => {
      effect(ctx, "begin");
      await ctx.store.set("parts", partsOf(ev.n));
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "begin" }));
      await pause(ctx, ev.n);
      for (let part = 0; part < partsOf(ev.n); part++) ctx.sendEvent(new Part({ n: ev.n, part }));
    });

    work = step(
      { accepts: [Part], emits: [Done], numWorkers: 4, retry: retryAtOnce },
      async (ev, ctx) => {
        effect(ctx, "work");
        await pause(ctx, ev.n);
        if (ctx.retry.attempt === 1 && failsFirst(ev.n, ev.part)) {
          throw new Error(`part ${ev.part} of run ${ev.n} fails its first attempt`);
        }
        ctx.writeEventToStream(new Progress({ n: ev.n, label: `work ${ev.part}` }));
        return new Done({ n: ev.n, part: ev.part, value: ev.n * 10 + ev.part });
      },
    );

    gather = step({ accepts: [Done], emits: [Gathered] }, async (ev, ctx) => {
      effect(ctx, "gather");
      const parts = (await ctx.store.get("parts")) as number;
      const all = ctx.collectEvents(ev, Done, { count: parts });
      if (all === null) return undefined;
      const sum = all.reduce((total, done) => total + done.value, 0);
      await ctx.store.set("sum", sum);
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "gathered" }));
      return new Gathered({ n: ev.n, sum });
    });

    finish = step({ accepts: [Gathered], emits: [StopEvent] }, async (ev, ctx) => {
      effect(ctx, "finish");
      await pause(ctx, ev.n);
      const parts = (await ctx.store.get("parts")) as number;
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "finished" }));
      const result: TakeoverResult = { n: ev.n, sum: ev.sum, parts };
      return new StopEvent({ result });
    });
  }
  return new TakeoverWorkflow({ journal, timeout: null });
}
