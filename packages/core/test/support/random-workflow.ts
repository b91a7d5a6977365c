/**
 * Random but deterministic workflows for the snapshot and journal property tests: a chain of
 * stages, each taking stage i's event and producing stage i + 1's. Every stage kind carries run
 * state a snapshot or a journal must keep: branches, fan-out / fan-in with `collectEvents` (list
 * and count forms, with and without `bufferId`), a loop whose counter is in the store, a step
 * that fails its first attempt and is retried, a `waitForEvent` the test answers, and stream
 * writes. The result depends only on the data, never on the interleaving, so any two runs of one
 * spec (cut and resumed or not) end with the same result and the same store.
 */
import fc from "fast-check";
import { z } from "zod";
import {
  type Context,
  Event,
  type EventClass,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  type StepDefinition,
  type WorkflowOptions,
  step,
} from "../../src/index.js";

export type Stage =
  | {
      readonly kind: "chain";
      readonly writes: number;
      /** Yields a macrotask mid-step: a journal flush may happen while it is in flight. */
      readonly slow: boolean;
    }
  | { readonly kind: "branch"; readonly writes: number }
  | {
      readonly kind: "fanList";
      readonly width: 2 | 3;
      readonly bufferId: boolean;
      readonly workers: number;
      /** Half the parts go out one round later (through a relay step): a half-filled fan-in. */
      readonly staggered: boolean;
    }
  | {
      readonly kind: "fanCount";
      readonly count: number;
      readonly bufferId: boolean;
      readonly workers: number;
      readonly staggered: boolean;
    }
  | { readonly kind: "loop"; readonly times: number }
  | { readonly kind: "retry" }
  | { readonly kind: "wait"; readonly writes: number; readonly slow: boolean };

export interface Spec {
  readonly start: number;
  readonly stages: readonly Stage[];
}

const writes = fc.integer({ min: 0, max: 2 });
const workers = fc.integer({ min: 1, max: 3 });
export const stageArb: fc.Arbitrary<Stage> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("wait" as const), writes, slow: fc.boolean() }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("chain" as const), writes, slow: fc.boolean() }),
  fc.record({ kind: fc.constant("branch" as const), writes }),
  fc.record({
    kind: fc.constant("fanList" as const),
    width: fc.constantFrom(2 as const, 3 as const),
    bufferId: fc.boolean(),
    workers,
    staggered: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("fanCount" as const),
    count: fc.integer({ min: 1, max: 4 }),
    bufferId: fc.boolean(),
    workers,
    staggered: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("loop" as const), times: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("retry" as const) }),
);

export const specArb: fc.Arbitrary<Spec> = fc.record({
  start: fc.integer({ min: 0, max: 1000 }),
  stages: fc.array(stageArb, { minLength: 1, maxLength: 5 }),
});

/** What the steps report, shared by every instance built for one property case. */
export interface Probe {
  /** Set by the test: which handler ("process") is live now. */
  phase: number;
  /** Every attempt started, in order. */
  readonly starts: {
    inv: string;
    attempt: number;
    step: string;
    phase: number;
    runId: string;
  }[];
  /** The waits (`<runId> <step name>`) that have returned an answer, in any handler. */
  readonly answered: Set<string>;
}

export function newProbe(): Probe {
  return { phase: 0, starts: [], answered: new Set() };
}

/** The number `ctx.invocationId` ends with (`<step>#<n>`). */
export function invocationNumber(inv: string): number {
  return Number(inv.slice(inv.lastIndexOf("#") + 1));
}

export class Progress extends Event.define({ inv: z.string(), tag: z.string(), k: z.number() }) {
  static override typeName = "Progress";
}

export interface Built {
  readonly workflow: Workflow;
  /** The answer the test sends to a wait's question, or undefined for any other event. */
  answer(ev: Event): Event | undefined;
}

/** A stream event as the property tests compare it: what it is, not which invocation wrote it. */
export function streamKey(ev: Event): string {
  const json = ev.toJSON() as { type: string; data: Record<string, unknown> };
  if (json.type === "Progress")
    return `progress ${String(json.data["tag"])} ${String(json.data["k"])}`;
  if (json.type.startsWith("Ask")) return `ask ${String(json.data["tag"])}`;
  return json.type;
}

/** The invocation that wrote a stream event (Progress and questions carry it). */
export function streamInvocation(ev: Event): string | undefined {
  const data = ev.toJSON().data as Record<string, unknown> | undefined;
  return typeof data?.["inv"] === "string" ? data["inv"] : undefined;
}

/** The start value: the run's input `{ start }` if it has one, else the spec's. */
function startOf(ev: Event, fallback: number): number {
  const start = (ev as unknown as Record<string, unknown>)["start"];
  return typeof start === "number" ? start : fallback;
}

/** A step's pace, not a wait for work: lets the journal's flush (setImmediate) run first. */
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

function relayClass(i: number) {
  return class extends Event.define({ v: z.number() }) {
    static override typeName = `Relay${i}`;
  };
}

const next = (v: number, i: number) => (v * 3 + i + 1) % 10_007;

/**
 * Builds the workflow of `spec` anew: new classes, a new instance, as a new process would. Its
 * name is always "Random", its event type names depend only on the spec.
 */
export function buildWorkflow(spec: Spec, probe: Probe, options: WorkflowOptions = {}): Built {
  const n = spec.stages.length;
  const stageEvents: EventClass[] = Array.from({ length: n + 1 }, (_, i) => {
    return class extends Event.define({ v: z.number() }) {
      static override typeName = `S${i}`;
    };
  });
  const answers = new Map<string, (ev: Event) => Event>();
  const external: EventClass[] = [];
  const steps: StepDefinition[] = [];

  const begin = (ctx: Context, name: string) => {
    probe.starts.push({
      inv: ctx.invocationId,
      attempt: ctx.retry.attempt,
      step: name,
      phase: probe.phase,
      runId: ctx.runId,
    });
  };
  const write = (ctx: Context, tag: string, count: number) => {
    for (let k = 0; k < count; k++)
      ctx.writeEventToStream(new Progress({ inv: ctx.invocationId, tag, k }));
  };
  const input = (i: number) => (i === 0 ? StartEvent : stageEvents[i]!);
  const valueOf = (ev: Event, i: number): number =>
    i === 0 ? startOf(ev, spec.start) : (ev as unknown as { v: number }).v;
  const out = (i: number, v: number): Event =>
    new (stageEvents[i + 1] as unknown as new (d: { v: number }) => Event)({ v });

  spec.stages.forEach((stage, i) => {
    const In = input(i);
    const Out = stageEvents[i + 1]!;
    const name = `st${i}`;
    switch (stage.kind) {
      case "chain": {
        steps.push(
          step({ name, accepts: [In], emits: [Out] }, async (ev, ctx) => {
            begin(ctx, name);
            const v = valueOf(ev, i);
            write(ctx, name, stage.writes);
            await ctx.store.set(name, v);
            if (stage.slow) await macrotask();
            return out(i, next(v, i));
          }),
        );
        break;
      }
      case "branch": {
        const L = class extends Event.define({ v: z.number() }) {
          static override typeName = `L${i}`;
        };
        const R = class extends Event.define({ v: z.number() }) {
          static override typeName = `R${i}`;
        };
        steps.push(
          step({ name, accepts: [In], emits: [L, R] }, (ev, ctx) => {
            begin(ctx, name);
            const v = valueOf(ev, i);
            write(ctx, name, stage.writes);
            return v % 2 === 0 ? new L({ v }) : new R({ v });
          }),
          step({ name: `${name}L`, accepts: [L], emits: [Out] }, async (ev, ctx) => {
            begin(ctx, `${name}L`);
            write(ctx, `${name}L`, 1);
            await ctx.store.set(name, "left");
            return out(i, next(ev.v + 11, i));
          }),
          step({ name: `${name}R`, accepts: [R], emits: [Out] }, async (ev, ctx) => {
            begin(ctx, `${name}R`);
            write(ctx, `${name}R`, 1);
            await ctx.store.set(name, "right");
            return out(i, next(ev.v * 2, i));
          }),
        );
        break;
      }
      case "fanList": {
        const parts = Array.from({ length: stage.width }, (_, j) => {
          return class extends Event.define({ v: z.number() }) {
            static override typeName = `P${i}_${j}`;
          };
        });
        const opts = stage.bufferId ? { bufferId: `b${i}` } : {};
        const Relay = relayClass(i);
        // Sent in reverse: the fan-in orders them by the expected list, not by arrival.
        const send = (ctx: Context, v: number, from: number, to: number) => {
          for (let j = to - 1; j >= from; j--) ctx.sendEvent(new parts[j]!({ v: v + j }));
        };
        const half = stage.staggered ? Math.floor(stage.width / 2) : 0;
        steps.push(
          step({ name, accepts: [In], emits: half > 0 ? [...parts, Relay] : parts }, (ev, ctx) => {
            begin(ctx, name);
            const v = valueOf(ev, i);
            send(ctx, v, half, stage.width);
            return half > 0 ? new Relay({ v }) : undefined;
          }),
          step(
            { name: `${name}in`, accepts: parts, emits: [Out], numWorkers: stage.workers },
            async (ev, ctx) => {
              begin(ctx, `${name}in`);
              await Promise.resolve();
              ctx.writeEventToStream(
                new Progress({ inv: ctx.invocationId, tag: `${name}in ${ev.toJSON().type}`, k: 0 }),
              );
              const got = ctx.collectEvents(ev, parts, opts) as { v: number }[] | null;
              if (got === null) return undefined;
              // Weighted by position: a wrong order changes the value.
              return out(
                i,
                next(
                  got.reduce((s, e, j) => s + e.v * (j + 1), 0),
                  i,
                ),
              );
            },
          ),
        );
        if (half > 0)
          steps.push(
            step({ name: `${name}relay`, accepts: [Relay], emits: parts }, (ev, ctx) => {
              begin(ctx, `${name}relay`);
              send(ctx, ev.v, 0, half);
            }),
          );
        break;
      }
      case "fanCount": {
        const Item = class extends Event.define({ v: z.number() }) {
          static override typeName = `I${i}`;
        };
        const opts = stage.bufferId ? { bufferId: `b${i}` } : {};
        const Relay = relayClass(i);
        const half = stage.staggered ? Math.floor(stage.count / 2) : 0;
        steps.push(
          step({ name, accepts: [In], emits: half > 0 ? [Item, Relay] : [Item] }, (ev, ctx) => {
            begin(ctx, name);
            const v = valueOf(ev, i);
            for (let j = half; j < stage.count; j++) ctx.sendEvent(new Item({ v: v + j }));
            return half > 0 ? new Relay({ v }) : undefined;
          }),
          step(
            { name: `${name}in`, accepts: [Item], emits: [Out], numWorkers: stage.workers },
            async (ev, ctx) => {
              begin(ctx, `${name}in`);
              await Promise.resolve();
              ctx.writeEventToStream(
                new Progress({ inv: ctx.invocationId, tag: `${name}in ${ev.v}`, k: 0 }),
              );
              const got = ctx.collectEvents(ev, Item, { count: stage.count, ...opts });
              if (got === null) return undefined;
              // A sum: the batch's arrival order may differ between runs.
              return out(
                i,
                next(
                  got.reduce((s, e) => s + e.v, 0),
                  i,
                ),
              );
            },
          ),
        );
        if (half > 0)
          steps.push(
            step({ name: `${name}relay`, accepts: [Relay], emits: [Item] }, (ev, ctx) => {
              begin(ctx, `${name}relay`);
              for (let j = 0; j < half; j++) ctx.sendEvent(new Item({ v: ev.v + j }));
            }),
          );
        break;
      }
      case "loop": {
        const Again = class extends Event.define({ v: z.number(), n: z.number() }) {
          static override typeName = `Again${i}`;
        };
        steps.push(
          step(
            { name, accepts: [In, Again], emits: [Again, Out], numWorkers: 1 },
            async (ev, ctx) => {
              begin(ctx, name);
              const v = ev instanceof Again ? ev.v : valueOf(ev, i);
              const count = ((await ctx.store.get(name, 0)) as number) + 1;
              await ctx.store.set(name, count);
              write(ctx, `${name} ${count}`, 1);
              if (count < stage.times) return new Again({ v: v + count, n: count });
              return out(i, next(v + count * 5, i));
            },
          ),
        );
        break;
      }
      case "retry": {
        steps.push(
          step(
            {
              name,
              accepts: [In],
              emits: [Out],
              retry: { next: ({ attempt }) => (attempt < 2 ? 0 : null) },
            },
            async (ev, ctx) => {
              begin(ctx, name);
              const v = valueOf(ev, i);
              await ctx.store.set(`${name} attempt`, ctx.retry.attempt);
              if (ctx.retry.attempt === 1) throw new Error(`${name} fails its first attempt`);
              // Written once it cannot fail: a failed attempt's writes stay in an in-memory
              // run's stream but not in a journaled one's (its effects land only if it ends well).
              write(ctx, `${name} a${ctx.retry.attempt}`, 1);
              return out(i, next(v + 3, i));
            },
          ),
        );
        break;
      }
      case "wait": {
        const Ask = class extends InputRequiredEvent.define({
          tag: z.string(),
          inv: z.string(),
        }) {
          static override typeName = `Ask${i}`;
        };
        const Ans = class extends HumanResponseEvent.define({ x: z.number() }) {
          static override typeName = `Ans${i}`;
        };
        external.push(Ans);
        answers.set(`Ask${i}`, () => new Ans({ x: i * 7 + 1 }));
        steps.push(
          step({ name, accepts: [In], emits: [Ask, Out] }, async (ev, ctx) => {
            begin(ctx, name);
            const v = valueOf(ev, i);
            write(ctx, `${name} before`, stage.writes);
            const a = await ctx.waitForEvent(Ans, {
              waiterEvent: new Ask({ tag: name, inv: ctx.invocationId }),
            });
            probe.answered.add(`${ctx.runId} ${name}`);
            // A slow one is in flight, its answer journaled, when a journal flush comes.
            if (stage.slow) await macrotask();
            write(ctx, `${name} after`, 1);
            await ctx.store.set(name, a.x);
            return out(i, next(v + a.x, i));
          }),
        );
        break;
      }
    }
  });
  steps.push(
    step({ name: "finish", accepts: [stageEvents[n]!], emits: [StopEvent] }, async (ev, ctx) => {
      begin(ctx, "finish");
      const v = (ev as unknown as { v: number }).v;
      await ctx.store.set("final", v);
      return new StopEvent({ result: { v, stages: n } });
    }),
  );

  class Random extends Workflow {
    static override workflowName = "Random";
    static override externalEvents = external;
  }
  for (const s of steps) Random.addStep(s);
  return {
    workflow: new Random({ timeout: null, ...options }),
    answer(ev) {
      return answers.get(ev.toJSON().type)?.(ev);
    },
  };
}

/** The property's seed: FC_SEED from the environment (to replay or explore), else `fallback`. */
export function seedFromEnv(fallback: number): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.["FC_SEED"];
  return env === undefined || env === "" ? fallback : Number(env);
}
