// The workflow the crash test kills and recovers, and what each of its runs must end with.
// Run n: `begin` branches on n's parity to `even` (fan-out of 3) or `odd` (fan-out of 2); each
// `work` part fails its first attempt when (n + part) % 4 === 0 and is retried; `gather` fans
// the parts back in with collectEvents; `approve` asks a human (waitForEvent) and stops.
import {
  Event,
  type EventClass,
  HumanResponseEvent,
  eventTypeName,
  InputRequiredEvent,
  type Journal,
  type RetryPolicy,
  type RunSnapshot,
  StartEvent,
  StopEvent,
  Workflow,
  step,
  type Context,
} from "@eventloom/core";
import { z } from "zod";

export class CrashStart extends StartEvent.define({ n: z.number().int() }) {
  static override typeName = "CrashStart";
}
export class Even extends Event.define({ n: z.number() }, { name: "Even" }) {}
export class Odd extends Event.define({ n: z.number() }, { name: "Odd" }) {}
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
export class Ask extends InputRequiredEvent.define({ n: z.number() }) {
  static override typeName = "Ask";
}
export class Answer extends HumanResponseEvent.define({ ok: z.boolean() }) {
  static override typeName = "Answer";
}

/** What a run's result is. */
export interface CrashResult {
  readonly n: number;
  readonly branch: "even" | "odd";
  readonly sum: number;
  readonly ok: boolean;
}

/** Called at the start of every step execution (each attempt, each re-run after a crash). */
export type SideEffect = (ctx: Context, step: string) => void;

/** Runs again at once after a failed attempt (the retry waits for no clock). */
const retryOnce: RetryPolicy = { next: ({ attempt }) => (attempt < 3 ? 0 : null) };

/** How many parts run n fans out to. */
export const partsOf = (n: number): number => (n % 2 === 0 ? 3 : 2);
/** Whether the first attempt of part `part` of run n fails. */
export const failsFirst = (n: number, part: number): boolean => (n + part) % 4 === 0;
/** The human's answer to run n. */
export const answerOf = (n: number): boolean => n % 5 !== 0;

/** The result run n must end with. */
export function expectedResult(n: number): CrashResult {
  let sum = 0;
  for (let part = 0; part < partsOf(n); part++) sum += n * 10 + part;
  return { n, branch: n % 2 === 0 ? "even" : "odd", sum, ok: answerOf(n) };
}

/**
 * The stream run n must end with, as labels (Progress labels, "Ask", then "StopEvent"): the
 * work parts in any order between the branch and "gathered", everything else in this order.
 */
export function expectedStream(n: number): { head: string[]; parts: string[]; tail: string[] } {
  const branch = n % 2 === 0 ? "even" : "odd";
  return {
    head: ["begin", branch],
    parts: Array.from({ length: partsOf(n) }, (_, part) => `work ${part}`),
    tail: ["gathered", "Ask", "approved", "StopEvent"],
  };
}

/**
 * Whether a run's answer is in its journaled state already: given to its wait (and maybe used),
 * or kept for a wait to come. The human answers only when it is not.
 */
export function answered(snap: RunSnapshot): boolean {
  return (
    snap.status !== "running" ||
    snap.inFlight.some((i) => (i.answers?.length ?? 0) > 0) ||
    snap.waitBuffer.some((e) => e.type === "Answer") ||
    snap.pending.some((p) => p.event.type === "Answer")
  );
}

/** The number of executions (attempts) run n's steps make when nothing crashes. */
export function executionsOf(n: number): number {
  let failures = 0;
  for (let part = 0; part < partsOf(n); part++) if (failsFirst(n, part)) failures++;
  // begin, even/odd, approve; work and gather once per part; one more work attempt per failure.
  return 3 + 2 * partsOf(n) + failures;
}

/** A label for a stream event: a Progress label, else the event's type name (bundles rename classes). */
export function labelOf(event: Event): string {
  return event instanceof Progress ? event.label : eventTypeName(event.constructor as EventClass);
}

/**
 * A short pause drawn from the invocation (so a re-run pauses alike), longer for some runs than
 * others, so that at any moment the runs are at different steps.
 */
function pause(ctx: Context, n: number): Promise<void> {
  let h = 2166136261;
  for (const ch of `${ctx.runId} ${ctx.invocationId}`)
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  const ms = ((h >>> 0) % 4) + (n % 8);
  return new Promise((resolve) => globalThis.setTimeout(resolve, ms));
}

/** The crash test's workflow on `journal`; `effect` records each step execution. */
export function crashWorkflow(journal: Journal, effect: SideEffect): Workflow {
  class CrashWorkflow extends Workflow {
    static override workflowName = "CrashWorkflow";
    // Answer comes from outside. Progress and Ask are listed only so that a fresh process
    // revives them as their own classes when it replays a stream before any step has written
    // one (see core-bug-stream-only-classes.test.ts): the driver matches them by class.
    static override externalEvents = [Answer, Progress, Ask];

    begin = step({ accepts: [CrashStart], emits: [Even, Odd] }, async (ev, ctx) => {
      effect(ctx, "begin");
      await ctx.store.set("parts", partsOf(ev.n));
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "begin" }));
      await pause(ctx, ev.n);
      return ev.n % 2 === 0 ? new Even({ n: ev.n }) : new Odd({ n: ev.n });
    });

    even = step({ accepts: [Even], emits: [Part] }, async (ev, ctx) => {
      effect(ctx, "even");
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "even" }));
      for (let part = 0; part < 3; part++) ctx.sendEvent(new Part({ n: ev.n, part }));
      await pause(ctx, ev.n);
    });

    odd = step({ accepts: [Odd], emits: [Part] }, async (ev, ctx) => {
      effect(ctx, "odd");
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "odd" }));
      await pause(ctx, ev.n);
      for (let part = 0; part < 2; part++) ctx.sendEvent(new Part({ n: ev.n, part }));
    });

    work = step(
      { accepts: [Part], emits: [Done], numWorkers: 4, retry: retryOnce },
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

    approve = step({ accepts: [Gathered], emits: [StopEvent] }, async (ev, ctx) => {
      effect(ctx, "approve");
      const answer = await ctx.waitForEvent(Answer, { waiterEvent: new Ask({ n: ev.n }) });
      ctx.writeEventToStream(new Progress({ n: ev.n, label: "approved" }));
      const result: CrashResult = {
        n: ev.n,
        branch: ev.n % 2 === 0 ? "even" : "odd",
        sum: ev.sum,
        ok: answer.ok,
      };
      return new StopEvent({ result });
    });
  }
  return new CrashWorkflow({ journal, timeout: null });
}
