/**
 * The floor: the least an event-driven engine with per-step worker limits can cost. A map from
 * event type to handlers, a FIFO per step for events waiting for a worker, per-step active counts,
 * async handlers awaited, a stream with one async-iterable consumer, waiters for external events.
 * No validation, no history, no timeouts: what is left is the bookkeeping every engine must do.
 */
import {
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
  SpanKind,
  context as otelContext,
  trace,
} from "@opentelemetry/api";
import { type Engine, type Probe, sleep } from "../scenarios.js";

interface Ev {
  readonly type: string;
  readonly i: number;
}

type Handler = (ev: Ev, run: FloorRun) => Promise<Ev | undefined>;

interface StepDef {
  readonly name: string;
  readonly accepts: readonly string[];
  readonly numWorkers: number;
  readonly handler: Handler;
}

/** An array-backed FIFO with O(1) push and shift. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class FloorWorkflow {
  readonly routes = new Map<string, number[]>();

  constructor(
    readonly steps: readonly StepDef[],
    readonly tracer?: Tracer,
  ) {
    steps.forEach((s, index) => {
      for (const type of s.accepts) {
        const list = this.routes.get(type) ?? [];
        list.push(index);
        this.routes.set(type, list);
      }
    });
  }

  run(start: Ev): FloorRun {
    return new FloorRun(this, start);
  }
}

class FloorRun {
  /** Per-run state a step may keep (the fan-in's buffer). */
  readonly state: Ev[] = [];
  readonly result: Promise<number>;
  private done = false;
  private resolve!: (value: number) => void;
  private reject!: (error: unknown) => void;
  private readonly active: number[];
  private readonly queues: Fifo<{ ev: Ev; link: SpanContext | undefined }>[];
  private readonly waiters = new Map<string, (ev: Ev) => void>();
  private readonly streamed = new Fifo<Ev>();
  private reader: ((r: IteratorResult<Ev>) => void) | null = null;
  private readonly runSpan: Span | undefined;

  constructor(
    private readonly wf: FloorWorkflow,
    start: Ev,
  ) {
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.active = wf.steps.map(() => 0);
    this.queues = wf.steps.map(() => new Fifo());
    this.runSpan = wf.tracer?.startSpan("invoke_workflow floor", { kind: SpanKind.INTERNAL });
    this.send(start);
  }

  send(ev: Ev, link?: SpanContext): void {
    if (this.done) return;
    if (ev.type === "stop") {
      this.finish(ev.i);
      return;
    }
    const waiter = this.waiters.get(ev.type);
    if (waiter !== undefined) {
      this.waiters.delete(ev.type);
      waiter(ev);
    }
    const steps = this.wf.routes.get(ev.type);
    if (steps === undefined) return;
    for (const s of steps) {
      if (this.active[s]! < this.wf.steps[s]!.numWorkers) void this.invoke(s, ev, link);
      else this.queues[s]!.push({ ev, link });
    }
  }

  write(ev: Ev): void {
    if (this.reader !== null) {
      const r = this.reader;
      this.reader = null;
      r({ value: ev, done: false });
    } else this.streamed.push(ev);
  }

  waitFor(type: string): Promise<Ev> {
    return new Promise((resolve) => this.waiters.set(type, resolve));
  }

  cancel(): void {
    this.fail(new Error("cancelled"));
  }

  /** The stream: written events, ending when the run does. */
  events(): AsyncIterableIterator<Ev> {
    const next = (): Promise<IteratorResult<Ev>> => {
      if (this.streamed.length > 0)
        return Promise.resolve({ value: this.streamed.shift(), done: false });
      if (this.done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((r) => (this.reader = r));
    };
    return {
      next,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  private async invoke(s: number, ev: Ev, link: SpanContext | undefined): Promise<void> {
    const step = this.wf.steps[s]!;
    this.active[s]!++;
    let out: Ev | undefined;
    let span: Span | undefined;
    try {
      if (this.wf.tracer === undefined) out = await step.handler(ev, this);
      else {
        span = this.startSpan(step.name, s, ev, link);
        const ctx = trace.setSpan(otelContext.active(), span);
        out = await otelContext.with(ctx, () => step.handler(ev, this));
        span.end();
      }
    } catch (error) {
      span?.end();
      this.fail(error);
      return;
    }
    this.active[s]!--;
    if (out !== undefined) this.send(out, span?.spanContext());
    const queue = this.queues[s]!;
    while (!this.done && queue.length > 0 && this.active[s]! < step.numWorkers) {
      const next = queue.shift();
      void this.invoke(s, next.ev, next.link);
    }
  }

  private startSpan(name: string, s: number, ev: Ev, link: SpanContext | undefined): Span {
    const links: Link[] = link === undefined ? [] : [{ context: link }];
    const parent = trace.setSpan(otelContext.active(), this.runSpan!);
    return this.wf.tracer!.startSpan(
      `step ${name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          "eventloom.step.name": name,
          "eventloom.step.attempt": 1,
          "eventloom.step.worker": this.active[s]! - 1,
          "eventloom.event.type": ev.type,
        },
        links,
      },
      parent,
    );
  }

  private finish(value: number): void {
    this.end();
    this.resolve(value);
  }

  private fail(error: unknown): void {
    if (this.done) return;
    this.end();
    this.reject(error);
  }

  private end(): void {
    this.done = true;
    this.runSpan?.end();
    this.waiters.clear();
    if (this.reader !== null) this.reader({ value: undefined, done: true });
    this.reader = null;
  }
}

function chainWorkflow(steps: number, tracer?: Tracer): FloorWorkflow {
  const defs: StepDef[] = [];
  for (let k = 0; k < steps; k++) {
    const next = k === steps - 1 ? "stop" : `e${k + 1}`;
    defs.push({
      name: `step${k}`,
      accepts: [`e${k}`],
      numWorkers: 4,
      handler: async (ev) => ({ type: next, i: ev.i + 1 }),
    });
  }
  return new FloorWorkflow(defs, tracer);
}

export const floor: Engine = {
  name: "floor",

  async chain(runs, steps) {
    const wf = chainWorkflow(steps);
    let sum = 0;
    for (let r = 0; r < runs; r++) sum += await wf.run({ type: "e0", i: 0 }).result;
    return sum;
  },

  async loop(n) {
    const wf = new FloorWorkflow([
      {
        name: "loop",
        accepts: ["start", "loop"],
        numWorkers: 4,
        handler: async (ev) =>
          ev.i + 1 < n ? { type: "loop", i: ev.i + 1 } : { type: "stop", i: n },
      },
    ]);
    return wf.run({ type: "start", i: 0 }).result;
  },

  async fanout(n, workers, ioMs, probe: Probe) {
    const wf = new FloorWorkflow([
      {
        name: "start",
        accepts: ["start"],
        numWorkers: 4,
        handler: async (_ev, run) => {
          for (let i = 0; i < n; i++) run.send({ type: "work", i });
          return undefined;
        },
      },
      {
        name: "work",
        accepts: ["work"],
        numWorkers: workers,
        handler: async (ev) => {
          probe.enter();
          if (ioMs > 0) await sleep(ioMs);
          probe.exit();
          return { type: "result", i: ev.i };
        },
      },
      {
        name: "collect",
        accepts: ["result"],
        numWorkers: 4,
        handler: async (ev, run) => {
          run.state.push(ev);
          return run.state.length === n ? { type: "stop", i: run.state.length } : undefined;
        },
      },
    ]);
    return wf.run({ type: "start", i: 0 }).result;
  },

  async concurrentRuns(runs, steps, afterStart) {
    const wf = chainWorkflow(steps);
    const all: Promise<number>[] = [];
    for (let r = 0; r < runs; r++) all.push(wf.run({ type: "e0", i: 0 }).result);
    afterStart();
    return (await Promise.all(all)).reduce((a, b) => a + b, 0);
  },

  async stream(n) {
    const wf = new FloorWorkflow([
      {
        name: "produce",
        accepts: ["start"],
        numWorkers: 4,
        handler: async (_ev, run) => {
          for (let i = 0; i < n; i++) run.write({ type: "progress", i });
          return { type: "stop", i: n };
        },
      },
    ]);
    const run = wf.run({ type: "start", i: 0 });
    let count = 0;
    for await (const ev of run.events()) if (ev.type === "progress") count++;
    await run.result;
    return count;
  },

  async tracedChain(runs, steps, tracer) {
    const wf = chainWorkflow(steps, tracer);
    let sum = 0;
    for (let r = 0; r < runs; r++) sum += await wf.run({ type: "e0", i: 0 }).result;
    return sum;
  },

  async idle(runs, probe, measure) {
    const wf = new FloorWorkflow([
      {
        name: "wait",
        accepts: ["start"],
        numWorkers: 4,
        handler: async (_ev, run) => {
          probe.waiting++;
          const response = await run.waitFor("response");
          return { type: "stop", i: response.i };
        },
      },
    ]);
    const all: FloorRun[] = [];
    for (let r = 0; r < runs; r++) all.push(wf.run({ type: "start", i: 0 }));
    while (probe.waiting < runs) await new Promise((r) => setImmediate(r));
    measure();
    let ended = 0;
    for (const run of all) run.cancel();
    for (const run of all) await run.result.catch(() => ended++);
    return ended;
  },
};
