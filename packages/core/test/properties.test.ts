import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  type EventClass,
  StartEvent,
  type StepDefinition,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  type WorkflowHandler,
  WorkflowRuntimeError,
  WorkflowTimedOutEvent,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";

// --- the shapes ------------------------------------------------------------------------------

const MAX_STAGES = 4;

type Stage =
  | { readonly kind: "chain"; readonly workers: number; readonly async: Pace }
  | {
      readonly kind: "fanout";
      readonly width: number;
      readonly workers: number;
      readonly async: Pace;
    }
  | {
      readonly kind: "loop";
      readonly rounds: number;
      readonly workers: number;
      readonly async: Pace;
    };

/** How a step body yields: not at all (a sync step), a microtask, or a timer. */
type Pace = "sync" | "microtask" | "timer";

type FaultKind =
  "throw" | "throwOnce" | "throwValue" | "badReturn" | "hang" | "stepTimeout" | "cancel";

interface Fault {
  readonly kind: FaultKind;
  readonly stage: number;
  /** Which invocation of the stage's main step fails, as a fraction of its invocations. */
  readonly at: number;
  /** In a fan-out stage: fail the worker, or the collector (after it has collected). */
  readonly target: "main" | "collector";
}

interface Shape {
  readonly stages: readonly Stage[];
  readonly fault: Fault | null;
  /** The faulty stage's main step gets one retry. */
  readonly retry: boolean;
  readonly stepwise: boolean;
  readonly consumer: "none" | "iterate" | "rx" | "both" | "break";
}

const pace = fc.constantFrom<Pace>("sync", "microtask", "timer");
const workers = fc.integer({ min: 1, max: 8 });
const stageArb: fc.Arbitrary<Stage> = fc.oneof(
  fc.record({ kind: fc.constant("chain" as const), workers, async: pace }),
  fc.record({
    kind: fc.constant("fanout" as const),
    width: fc.integer({ min: 1, max: 6 }),
    workers,
    async: pace,
  }),
  fc.record({
    kind: fc.constant("loop" as const),
    rounds: fc.integer({ min: 0, max: 5 }),
    workers,
    async: pace,
  }),
);

const shapeArb: fc.Arbitrary<Shape> = fc
  .record({
    stages: fc.array(stageArb, { minLength: 1, maxLength: MAX_STAGES }),
    fault: fc.option(
      fc.record({
        kind: fc.constantFrom<FaultKind>(
          "throw",
          "throwOnce",
          "throwValue",
          "badReturn",
          "hang",
          "stepTimeout",
          "cancel",
        ),
        stage: fc.nat(),
        at: fc.double({ min: 0, max: 0.999, noNaN: true }),
        target: fc.constantFrom("main" as const, "collector" as const),
      }),
      { freq: 3 },
    ),
    retry: fc.boolean(),
    stepwise: fc.boolean(),
    consumer: fc.constantFrom("none", "iterate", "rx", "both", "break"),
  })
  .map((s) => ({
    ...s,
    fault: s.fault === null ? null : { ...s.fault, stage: s.fault.stage % s.stages.length },
  }));

// --- the event classes every shape draws from --------------------------------------------------

function numbered(prefix: string) {
  return Array.from({ length: MAX_STAGES }, (_, i) => {
    return class extends Event.define({ n: z.number() }) {
      static override typeName = `${prefix}${i}`;
    };
  });
}
const Ev = numbered("Ev"); // Ev[i]: what stage i receives (i > 0)
const Mid = numbered("Mid");
const Res = numbered("Res");
const Loop = Array.from({ length: MAX_STAGES }, (_, i) => {
  return class extends Event.define({ n: z.number(), k: z.number() }) {
    static override typeName = `Loop${i}`;
  };
});

type NumberEvent = Event & { readonly n: number };

// --- the model -----------------------------------------------------------------------------

function expectedValue(shape: Shape, start: number): number {
  let n = start;
  for (const s of shape.stages) {
    if (s.kind === "chain") n = n + 1;
    else if (s.kind === "loop") n = n + s.rounds;
    else n = 2 * s.width * n + s.width * (s.width - 1);
  }
  return n;
}

/** How many times the stage's main step runs on the happy path. */
function invocations(stage: Stage): number {
  return stage.kind === "chain" ? 1 : stage.kind === "fanout" ? stage.width : stage.rounds + 1;
}

type Expected =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly check: (e: unknown) => boolean; readonly terminal: EventClass };

const BOOM = new Error("boom");
const THROWN_VALUE = "a thrown string";

function expected(shape: Shape, start: number): Expected {
  const fault = shape.fault;
  const fail = (check: (e: unknown) => boolean, terminal: EventClass = WorkflowFailedEvent) =>
    ({ ok: false, check, terminal }) as const;
  switch (fault?.kind) {
    case undefined:
      return { ok: true, value: expectedValue(shape, start) };
    case "throwOnce":
      return shape.retry
        ? { ok: true, value: expectedValue(shape, start) }
        : fail((e) => e === BOOM);
    case "throw":
      return fail((e) => e === BOOM);
    case "throwValue":
      return fail((e) => e instanceof WorkflowRuntimeError && e.cause === THROWN_VALUE);
    case "badReturn":
      return fail((e) => e instanceof WorkflowRuntimeError);
    case "stepTimeout":
      return fail((e) => e instanceof StepTimeoutError);
    case "hang":
      return fail((e) => e instanceof WorkflowTimeoutError, WorkflowTimedOutEvent);
    case "cancel":
      return fail((e) => e instanceof WorkflowCancelledError, WorkflowCancelledEvent);
  }
}

// --- building a workflow from a shape --------------------------------------------------------

interface Probe {
  /** Invocations in flight per step, and the peak; checked against numWorkers. */
  readonly current: Map<string, number>;
  readonly peak: Map<string, number>;
  readonly limits: Map<string, number>;
  /** Set by the test: aborts the run from inside a step (the "cancel" fault). */
  abort: () => void;
}

function yieldBy(p: Pace): Promise<void> | undefined {
  if (p === "microtask") return Promise.resolve();
  if (p === "timer") return new Promise((resolve) => setTimeout(resolve, 0));
  return undefined;
}

function build(shape: Shape, probe: Probe): Workflow {
  const steps: Record<string, StepDefinition> = {};
  const last = shape.stages.length - 1;

  shape.stages.forEach((stage, i) => {
    const In: EventClass = i === 0 ? StartEvent : Ev[i]!;
    const Out: EventClass = i === last ? StopEvent : Ev[i + 1]!;
    const valueOf = (ev: Event) =>
      i === 0 ? Number((ev as unknown as Record<string, unknown>)["n"]) : (ev as NumberEvent).n;
    const out = (n: number): Event =>
      i === last ? new StopEvent({ result: n }) : new Ev[i + 1]!({ n });
    const stageFault = shape.fault?.stage === i ? shape.fault : null;

    /**
     * Wraps a step body: concurrency probe, pacing and the injected fault, which strikes
     * before the body, or after it (a collector that has already collected).
     */
    const main = (
      name: string,
      body: (ev: Event, ctx: Context) => Event | null,
      fault: Fault | null,
      after = false,
    ) => {
      probe.limits.set(name, stage.workers);
      const faultAt = fault === null ? -1 : Math.floor(fault.at * invocations(stage));
      const faulty = new WeakSet<Event>();
      let count = 0;
      const run = (ev: Event, ctx: Context): unknown => {
        const result = after ? body(ev, ctx) : undefined;
        const idx = ctx.retry.attempt === 1 ? count++ : -1;
        // In a collector, a lasting fault strikes the invocation that completes the batch: one
        // that strikes earlier may be retried, or hang, after the batch has gone on, and the
        // run legitimately succeeds. A one-off throw may strike anywhere: its retry must not
        // buffer the event twice.
        const strikes =
          after && fault?.kind !== "throwOnce" ? idx !== -1 && result !== null : idx === faultAt;
        const hit = fault !== null && (strikes || (faulty.has(ev) && fault.kind !== "throwOnce"));
        if (hit) faulty.add(ev);
        if (hit) {
          switch (fault.kind) {
            case "throw":
            case "throwOnce":
              throw BOOM;
            case "throwValue":
              throw THROWN_VALUE;
            case "badReturn":
              return 42;
            case "hang":
            case "stepTimeout":
              return new Promise(() => {});
            case "cancel":
              probe.abort();
              break;
          }
        }
        return after ? result : body(ev, ctx);
      };
      const tracked = (ev: Event, ctx: Context): unknown => {
        probe.current.set(name, (probe.current.get(name) ?? 0) + 1);
        probe.peak.set(name, Math.max(probe.peak.get(name) ?? 0, probe.current.get(name)!));
        // An attempt stops counting when it returns, or when its signal aborts: a timed-out
        // attempt that never returns no longer holds its worker.
        let counted = true;
        const done = () => {
          if (!counted) return;
          counted = false;
          probe.current.set(name, probe.current.get(name)! - 1);
        };
        ctx.signal.addEventListener("abort", done, { once: true });
        const wait = yieldBy(stage.async);
        if (wait === undefined) {
          try {
            const r = run(ev, ctx);
            if (r instanceof Promise) return r.finally(done);
            done();
            return r;
          } catch (e) {
            done();
            throw e;
          }
        }
        return wait.then(() => run(ev, ctx)).finally(done);
      };
      const options = {
        numWorkers: stage.workers,
        ...(fault !== null && shape.retry
          ? { retry: { next: ({ attempt }: { attempt: number }) => (attempt < 2 ? 0 : null) } }
          : {}),
        ...(fault?.kind === "stepTimeout" ? { timeout: 15 } : {}),
      };
      return { options, handler: tracked as (ev: Event, ctx: Context) => never };
    };

    if (stage.kind === "chain") {
      const m = main(`s${i}`, (ev) => out(valueOf(ev) + 1), stageFault);
      steps[`s${i}`] = step({ accepts: [In], emits: [Out], ...m.options }, m.handler);
    } else if (stage.kind === "loop") {
      const L = Loop[i]!;
      const m = main(
        `s${i}`,
        (ev) => {
          const k = ev instanceof L ? ev.k : 0;
          const n = valueOf(ev);
          return k < stage.rounds ? new L({ n: n + 1, k: k + 1 }) : out(n);
        },
        stageFault,
      );
      steps[`s${i}`] = step({ accepts: [In, L], emits: [L, Out], ...m.options }, m.handler);
    } else {
      const M = Mid[i]!;
      const R = Res[i]!;
      steps[`s${i}`] = step({ accepts: [In], emits: [M] }, (ev, ctx) => {
        const n = valueOf(ev);
        for (let j = 0; j < stage.width; j++) ctx.sendEvent(new M({ n: n + j }));
      });
      const toWorker = stageFault?.target === "main" ? stageFault : null;
      const toCollector = stageFault?.target === "collector" ? stageFault : null;
      const w = main(`w${i}`, (ev) => new R({ n: 2 * (ev as NumberEvent).n }), toWorker);
      steps[`w${i}`] = step({ accepts: [M], emits: [R], ...w.options }, w.handler);
      const c = main(
        `c${i}`,
        (ev, ctx) => {
          const all = ctx.collectEvents(ev, R, { count: stage.width });
          return all === null ? null : out(all.reduce((sum, r) => sum + r.n, 0));
        },
        toCollector,
        true,
      );
      steps[`c${i}`] = step({ accepts: [R], emits: [Out], ...c.options }, c.handler);
    }
  });

  class Random extends Workflow {
    constructor() {
      super({
        timeout: shape.fault?.kind === "hang" ? 40 : null,
      });
      Object.assign(this, steps);
    }
  }
  return new Random();
}

// --- driving a run ---------------------------------------------------------------------------

type Consumed = { events: Event[]; ended: boolean };

function consume(handler: WorkflowHandler, how: "iterate" | "rx" | "break"): Promise<Consumed> {
  if (how === "rx") {
    return new Promise((resolve) => {
      const events: Event[] = [];
      handler.events$.subscribe({
        next: (ev) => events.push(ev),
        complete: () => resolve({ events, ended: true }),
      });
    });
  }
  return (async () => {
    const events: Event[] = [];
    for await (const ev of handler.streamEvents()) {
      events.push(ev);
      if (how === "break") return { events, ended: false };
    }
    return { events, ended: true };
  })();
}

async function drive(handler: WorkflowHandler, stepwise: boolean): Promise<unknown> {
  if (stepwise) {
    while (!handler.isDone()) {
      try {
        await handler.runStep();
      } catch {
        break;
      }
    }
  }
  return handler.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

const HANG_GUARD_MS = 5_000;

async function withGuard<T>(p: Promise<T>): Promise<T | "hung"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), HANG_GUARD_MS);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(shape: Shape): Promise<void> {
  const controller = new AbortController();
  const probe: Probe = {
    current: new Map(),
    peak: new Map(),
    limits: new Map(),
    abort: () => controller.abort("a step pulled the plug"),
  };
  const wf = build(shape, probe);
  const start = 1;
  const handler = wf.run({ n: start }, { stepwise: shape.stepwise, signal: controller.signal });
  const consumers: Promise<Consumed>[] = [];
  if (shape.consumer === "iterate" || shape.consumer === "both")
    consumers.push(consume(handler, "iterate"));
  if (shape.consumer === "rx" || shape.consumer === "both") consumers.push(consume(handler, "rx"));
  const breaking = shape.consumer === "break" ? consume(handler, "break") : undefined;

  const outcome = await withGuard(drive(handler, shape.stepwise));
  expect(outcome, "the run settles").not.toBe("hung");
  const want = expected(shape, start);
  if (want.ok) {
    expect(outcome).toEqual({ value: want.value });
    expect(handler.status).toBe("completed");
  } else {
    expect(outcome).toHaveProperty("error");
    const error = (outcome as { error: unknown }).error;
    expect(want.check(error), `unexpected error ${String(error)}`).toBe(true);
  }
  expect(handler.isDone()).toBe(true);

  const terminal: EventClass = want.ok ? StopEvent : want.terminal;
  for (const c of consumers) {
    const got = await withGuard(c);
    expect(got, "every stream consumer completes").not.toBe("hung");
    const { events, ended } = got as Consumed;
    expect(ended).toBe(true);
    expect(events.at(-1)?.constructor).toBe(terminal);
    expect(events.filter((e) => e instanceof StopEvent)).toHaveLength(1);
  }
  if (breaking !== undefined) expect((await withGuard(breaking)) !== "hung").toBe(true);
  const late = await withGuard(consume(handler, "iterate"));
  expect(late, "a consumer attaching after the end completes").not.toBe("hung");
  expect((late as Consumed).events.at(-1)?.constructor).toBe(terminal);

  for (const [name, peak] of probe.peak) {
    expect(peak, `peak concurrency of ${name}`).toBeLessThanOrEqual(probe.limits.get(name)!);
  }
}

describe("random workflow shapes", () => {
  it("always settle with the modelled result or error, end every stream, and respect numWorkers", async () => {
    await fc.assert(fc.asyncProperty(shapeArb, check), {
      // Fixed by default so CI is deterministic; FC_SEED / FC_RUNS explore further.
      numRuns: Number(process.env["FC_RUNS"] ?? 200),
      seed: Number(process.env["FC_SEED"] ?? 20_260_101),
      endOnFailure: true,
    });
  }, 60_000);
});
