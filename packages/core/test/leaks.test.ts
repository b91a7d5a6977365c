import { getEventListeners } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  type WorkflowHandler,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";

class Part extends Event.define({ i: z.number() }) {}
class Piece extends Event.define({ i: z.number() }) {}
class Stall extends Event.define({}) {}
class Boom extends Error {}

type Kind =
  | "success"
  | "failure"
  | "run-timeout"
  | "step-timeout"
  | "wait-timeout"
  | "cancel"
  | "signal-cancel"
  | "retry-then-success";
const KINDS: readonly Kind[] = [
  "success",
  "failure",
  "run-timeout",
  "step-timeout",
  "wait-timeout",
  "cancel",
  "signal-cancel",
  "retry-then-success",
];

/** Settles only when `signal` aborts (a step that cooperates with cancellation). */
const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_resolve, reject) =>
    signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
  );

/** One workflow whose start event picks the path: every way a run can end. */
class Mixed extends Workflow {
  start = step({ accepts: [StartEvent], emits: [Part, Stall] }, async (ev, ctx) => {
    const kind = ev["kind"] as Kind;
    await ctx.store.set("kind", kind);
    ctx.writeEventToStream(new Part({ i: -1 }));
    if (kind === "step-timeout") return new Stall({});
    for (let i = 0; i < 3; i++) ctx.sendEvent(new Part({ i }));
    return null;
  });
  /** Never settles and ignores its signal: the engine must still release everything. */
  stall = step(
    {
      accepts: [Stall],
      emits: [StopEvent],
      timeout: 2,
      retry: { next: ({ attempt }) => (attempt < 2 ? 1 : null) },
    },
    () => new Promise<never>(() => {}),
  );
  part = step(
    {
      accepts: [Part],
      emits: [Piece],
      numWorkers: 2,
      timeout: 5_000,
      retry: { next: ({ attempt }) => (attempt < 2 ? 1 : null) },
    },
    async (ev, ctx) => {
      const kind = (await ctx.store.get("kind")) as Kind;
      const piece = new Piece({ i: ev.i });
      if (ev.i !== 0) return piece;
      switch (kind) {
        case "failure":
          throw new Boom("part 0 failed");
        case "run-timeout":
        case "cancel":
        case "signal-cancel":
          return untilAborted(ctx.signal);
        case "wait-timeout":
          await ctx.waitForEvent(HumanResponseEvent, { timeout: 1 });
          return null;
        case "retry-then-success":
          if (ctx.retry.attempt === 1) throw new Boom("once");
          return piece;
        default:
          return piece;
      }
    },
  );
  gather = step({ accepts: [Piece], emits: [StopEvent] }, (ev, ctx) => {
    const all = ctx.collectEvents(ev, Piece, { count: 3 });
    return all === null ? null : new StopEvent({ result: all.length });
  });
}

/** What the Node process holds that a run could leak: timers. */
const activeTimers = () =>
  process.getActiveResourcesInfo().filter((r) => r === "Timeout" || r === "Immediate").length;

/** A real garbage collection, so heap figures are comparable; null where V8 refuses. */
function exposeGc(): (() => void) | null {
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return null;
  }
}

async function settledHeap(gc: (() => void) | null): Promise<number> {
  // Let finalizers and pending callbacks run before measuring.
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

function start(wf: Mixed, kind: Kind, i: number, shutdown: AbortSignal): WorkflowHandler {
  switch (kind) {
    case "run-timeout":
      return wf.run({ kind }, { timeout: 1 + (i % 3), signal: shutdown });
    case "signal-cancel": {
      const controller = new AbortController();
      const handler = wf.run({ kind }, { signal: controller.signal });
      queueMicrotask(() => controller.abort("stop"));
      return handler;
    }
    case "cancel": {
      const handler = wf.run({ kind }, { signal: shutdown });
      void Promise.resolve().then(() => handler.cancel());
      return handler;
    }
    default:
      return wf.run({ kind }, { signal: shutdown });
  }
}

const EXPECTED: Record<Kind, (outcome: unknown) => boolean> = {
  success: (o) => o === 3,
  "retry-then-success": (o) => o === 3,
  failure: (o) => o instanceof Boom,
  "run-timeout": (o) => o instanceof WorkflowTimeoutError,
  "step-timeout": (o) => o instanceof StepTimeoutError,
  "wait-timeout": (o) => o instanceof StepTimeoutError,
  cancel: (o) => o instanceof WorkflowCancelledError,
  "signal-cancel": (o) => o instanceof WorkflowCancelledError,
};

/** Runs `total` runs, `batch` at a time, every kind in turn; checks each outcome and stream. */
async function runMany(wf: Mixed, total: number, batch: number, shutdown: AbortSignal) {
  const wrong: string[] = [];
  for (let done = 0; done < total; done += batch) {
    const runs: Promise<void>[] = [];
    for (let i = done; i < Math.min(total, done + batch); i++) {
      const kind = KINDS[i % KINDS.length]!;
      const handler = start(wf, kind, i, shutdown);
      const consume = i % 3;
      const streamEnded =
        consume === 0
          ? (async () => {
              let last: Event | undefined;
              for await (const ev of handler.streamEvents()) last = ev;
              return last instanceof StopEvent;
            })()
          : consume === 1
            ? new Promise<boolean>((resolve) => {
                let last: Event | undefined;
                handler.events$.subscribe({
                  next: (ev) => (last = ev),
                  complete: () => resolve(last instanceof StopEvent),
                });
              })
            : Promise.resolve(true);
      runs.push(
        (async () => {
          const outcome = await handler.then(
            (r) => r,
            (e: unknown) => e,
          );
          if (!EXPECTED[kind](outcome)) wrong.push(`${kind}: ${String(outcome)}`);
          if (!(await streamEnded)) wrong.push(`${kind}: stream did not end with a StopEvent`);
        })(),
      );
    }
    await Promise.all(runs);
  }
  return wrong;
}

describe("resources over many runs", () => {
  it("settles 10 000 mixed runs (success, failure, timeouts, cancel) and holds no timers, listeners or heap afterwards", async () => {
    const gc = exposeGc();
    const shutdown = new AbortController();
    const wf = new Mixed({ timeout: 2_000 });

    // Warm up (JIT, lazily built module state), then take the baseline.
    expect(await runMany(wf, 400, 200, shutdown.signal)).toEqual([]);
    const timersBefore = activeTimers();
    const heapBefore = await settledHeap(gc);

    const t0 = performance.now();
    const wrong = await runMany(wf, 10_000, 500, shutdown.signal);
    const elapsed = performance.now() - t0;

    expect(wrong).toEqual([]);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    const growthMb = ((await settledHeap(gc)) - heapBefore) / 1024 / 1024;
    expect(growthMb).toBeLessThan(gc === null ? 50 : 20);
    expect(elapsed).toBeLessThan(15_000);
  });
});
