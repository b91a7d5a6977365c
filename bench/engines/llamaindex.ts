/**
 * The scenarios written the way @llamaindex/workflow-core's README writes workflows: events from
 * `workflowEvent()`, handlers registered with `workflow.handle()`, a run is `createContext()` +
 * `sendEvent(start)`, its result read with `stream.until(stopEvent).toArray()`.
 *
 * Two things it lacks are supplied by the smallest code that gives the same behaviour:
 * - per-step worker limits: the worker handler takes a slot from an 8-slot semaphore of its run;
 * - per-run state (the fan-in's buffer, the semaphore): an object travelling in the event data,
 *   since handlers are registered per workflow, not per run.
 * It has no OpenTelemetry tracing and no cancellation: `tracedChain` is absent and an idle run
 * is abandoned by cancelling its stream reader.
 */
import {
  type WorkflowEvent,
  type WorkflowEventData,
  createWorkflow,
  workflowEvent,
} from "@llamaindex/workflow-core";
import { type Engine, sleep } from "../scenarios.js";

/** A run's own state, carried in its events' data. */
class RunState {
  readonly results: number[] = [];
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(private readonly workers: number) {}

  acquire(): Promise<void> | undefined {
    if (this.active < this.workers) {
      this.active++;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.waiting[this.head++] = () => {};
      next();
    } else this.active--;
  }
}

interface Num {
  readonly i: number;
}
interface Shared {
  readonly i: number;
  readonly run: RunState;
}

/** Runs a workflow the way the README does and returns the stop event's data. */
async function runToStop<T>(
  wf: ReturnType<typeof createWorkflow>,
  start: WorkflowEventData<unknown>,
  stop: WorkflowEvent<T>,
): Promise<T> {
  const { stream, sendEvent } = wf.createContext();
  sendEvent(start);
  const events = await stream.until(stop).toArray();
  const last = events.at(-1);
  if (last === undefined || !stop.include(last)) throw new Error("run ended without a stop event");
  return last.data;
}

function chainWorkflow(steps: number): {
  wf: ReturnType<typeof createWorkflow>;
  start: WorkflowEvent<Num>;
  stop: WorkflowEvent<Num>;
} {
  const events: WorkflowEvent<Num>[] = [];
  for (let k = 0; k <= steps; k++) events.push(workflowEvent<Num>({ debugLabel: `chain${k}` }));
  const wf = createWorkflow();
  for (let k = 0; k < steps; k++) {
    const next = events[k + 1]!;
    wf.handle([events[k]!], async (_ctx, ev) => next.with({ i: ev.data.i + 1 }));
  }
  return { wf, start: events[0]!, stop: events[steps]! };
}

export const llamaindex: Engine = {
  name: "llamaindex",

  async chain(runs, steps) {
    const { wf, start, stop } = chainWorkflow(steps);
    let sum = 0;
    for (let r = 0; r < runs; r++) sum += (await runToStop(wf, start.with({ i: 0 }), stop)).i;
    return sum;
  },

  async loop(n) {
    const start = workflowEvent<Num>({ debugLabel: "start" });
    const loop = workflowEvent<Num>({ debugLabel: "loop" });
    const stop = workflowEvent<Num>({ debugLabel: "stop" });
    const wf = createWorkflow();
    const spin = async (ev: Num) =>
      ev.i + 1 < n ? loop.with({ i: ev.i + 1 }) : stop.with({ i: n });
    wf.handle([start], async (_ctx, ev) => spin(ev.data));
    wf.handle([loop], async (_ctx, ev) => spin(ev.data));
    return (await runToStop(wf, start.with({ i: 0 }), stop)).i;
  },

  async fanout(n, workers, ioMs, probe) {
    const start = workflowEvent<Shared>({ debugLabel: "start" });
    const work = workflowEvent<Shared>({ debugLabel: "work" });
    const result = workflowEvent<Shared>({ debugLabel: "result" });
    const stop = workflowEvent<Num>({ debugLabel: "stop" });
    const wf = createWorkflow();
    wf.handle([start], async (ctx, ev) => {
      for (let i = 0; i < n; i++) ctx.sendEvent(work.with({ i, run: ev.data.run }));
    });
    wf.handle([work], async (_ctx, ev) => {
      const run = ev.data.run;
      await run.acquire();
      try {
        probe.enter();
        if (ioMs > 0) await sleep(ioMs);
        probe.exit();
      } finally {
        run.release();
      }
      return result.with({ i: ev.data.i, run });
    });
    wf.handle([result], async (_ctx, ev) => {
      const results = ev.data.run.results;
      results.push(ev.data.i);
      return results.length === n ? stop.with({ i: results.length }) : undefined;
    });
    return (await runToStop(wf, start.with({ i: 0, run: new RunState(workers) }), stop)).i;
  },

  async concurrentRuns(runs, steps, afterStart) {
    const { wf, start, stop } = chainWorkflow(steps);
    const all: Promise<Num>[] = [];
    for (let r = 0; r < runs; r++) all.push(runToStop(wf, start.with({ i: 0 }), stop));
    afterStart();
    return (await Promise.all(all)).reduce((a, b) => a + b.i, 0);
  },

  async stream(n) {
    const start = workflowEvent<Num>({ debugLabel: "start" });
    const progress = workflowEvent<Num>({ debugLabel: "progress" });
    const stop = workflowEvent<Num>({ debugLabel: "stop" });
    const wf = createWorkflow();
    wf.handle([start], async (ctx) => {
      for (let i = 0; i < n; i++) ctx.sendEvent(progress.with({ i }));
      return stop.with({ i: n });
    });
    const { stream, sendEvent } = wf.createContext();
    sendEvent(start.with({ i: 0 }));
    let count = 0;
    for await (const ev of stream) {
      if (progress.include(ev)) count++;
      else if (stop.include(ev)) break;
    }
    return count;
  },

  tracedChain: undefined,

  async idle(runs, probe, measure) {
    const start = workflowEvent<Num>({ debugLabel: "start" });
    const request = workflowEvent<Num>({ debugLabel: "request" });
    const response = workflowEvent<Num>({ debugLabel: "response" });
    const stop = workflowEvent<Num>({ debugLabel: "stop" });
    const wf = createWorkflow();
    // The README's human-in-the-loop shape: ask, and continue in the handler of the answer.
    wf.handle([start], async () => {
      probe.waiting++;
      return request.with({ i: 0 });
    });
    wf.handle([response], async (_ctx, ev) => stop.with({ i: ev.data.i }));
    const readers: ReadableStreamDefaultReader<WorkflowEventData<unknown>>[] = [];
    const done: Promise<void>[] = [];
    for (let r = 0; r < runs; r++) {
      const { stream, sendEvent } = wf.createContext();
      sendEvent(start.with({ i: 0 }));
      const reader = stream.until(stop).getReader();
      readers.push(reader);
      done.push(
        (async () => {
          for (;;) if ((await reader.read()).done) return;
        })(),
      );
    }
    while (probe.waiting < runs) await new Promise((r) => setImmediate(r));
    measure();
    await Promise.all(readers.map((r) => r.cancel()));
    await Promise.all(done);
    return readers.length;
  },
};
