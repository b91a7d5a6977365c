// A run's state: the fields the runtime's layers share (each layer file adds one concern).
import { type Context as OtelContext, type Tracer, diag } from "@opentelemetry/api";
import type { Subject } from "rxjs";
import type { WaitForEventOptions } from "../context.js";
import { WorkflowCancelledError } from "../errors.js";
import type { Event, EventClass, StopEvent } from "../event.js";
import type { StepRecord } from "../internal/plan.js";
import type { Deadline } from "./deadlines.js";
import { EventStream } from "./event-stream.js";
import type { FanIn } from "./fan-in.js";
import type { Journal } from "../journal.js";
import type { RevivedSnapshot } from "./restore.js";
import type { RunLedger } from "./run-ledger.js";
import type { RunSettings } from "./run-settings.js";
import { RunStore } from "./run-store.js";
import type { ExecutionRecord, StepView, ViewHost } from "./step-view.js";
import type { ProducerLink, RunStatus, RunTracing } from "./tracing.js";
import type { CollectMemo } from "./worker-pool.js";
import { WorkerPool } from "./worker-pool.js";

/** An event that no step (and no waiter) accepted. */
export interface UnhandledEvent {
  readonly event: Event;
  readonly reason: string;
}

/**
 * An event held back from the bus (sent before the start, or between stepwise rounds), with its
 * producer's span context and an optional target step. Events routed at once travel as
 * arguments, with no envelope.
 */
export interface Envelope {
  readonly event: Event;
  readonly link: ProducerLink | undefined;
  readonly target: StepRecord | undefined;
}

/** A step suspended in `waitForEvent`. */
export interface Waiter {
  readonly cls: EventClass;
  readonly requirements: Readonly<Record<string, unknown>> | undefined;
  readonly view: StepView;
  resolve(event: Event): void;
  reject(error: unknown): void;
  timer: { cancel(): void } | undefined;
}

/** What a run starts from: `workflow.run()` (and `workflow.resume()`) make it. */
export interface RunStart {
  readonly settings: RunSettings;
  readonly startEvent: Event;
  readonly timeoutMs: number | null;
  readonly stepwise: boolean;
  readonly tracer: Tracer | undefined;
  readonly traceParent: OtelContext;
  readonly signal: AbortSignal | undefined;
  /** The store to start from (`run(input, { context })` carries a settled run's store over). */
  readonly store?: RunStore | undefined;
  /** A snapshot to continue from (`workflow.resume`): no start event is sent. */
  readonly restore?: RevivedSnapshot | undefined;
  /** Journal the run there (the workflow's `journal` option). */
  readonly journal?: Journal | undefined;
  /** A resumed journaled run: the seq its next entry takes. */
  readonly journalSeq?: number | undefined;
  /** A resumed journaled run: its id (known before its journal is read). */
  readonly runId?: string | undefined;
  /** A run resumed from its journal: its state, once read (and claimed). */
  readonly load?: Promise<{ readonly revived: RevivedSnapshot; readonly seq: number }> | undefined;
}

/** What a journaled run tells its journal: it has changes to make durable. */
export interface JournalLink {
  changed(): void;
  /** Resolves once everything changed so far is durable. */
  durable(): Promise<void>;
}

/** A stepwise round in progress (`runStep()`). */
export interface Round {
  seq: number;
  readonly produced: { seq: number; env: Envelope }[];
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * What one run holds, shared by the layers that make up `Run` (waiting → scheduling → routing →
 * invocation → stepwise → run). Everything a run may never need is created on first use: a short
 * run allocates little, and 10 000 idle runs stay small.
 */
export abstract class RunState implements ViewHost {
  /** The prototype of the last event written to the stream (checked to be an event then). */
  streamedProto: object | undefined = undefined;
  /** The stream, made by the first write or consumer (a run nobody streams makes none). */
  streamInstance: EventStream | undefined = undefined;
  /** The terminal event, once the run has ended (for a stream made after that). */
  terminal: StopEvent | undefined = undefined;
  /**
   * The attempts `history` shows (at most `historyLimit`), as a list linked backwards through
   * `StepView.previous`: a short run then allocates no array for them.
   */
  lastView: StepView | undefined = undefined;
  viewCount = 0;
  /** Invocations past `historyLimit`, not recorded in `history`. */
  historyDropped = 0;
  /** How many invocations this run has started (the source of `ctx.invocationId`). */
  invocations = 0;
  /** The attempts still running, newest first, linked through their views (for snapshots). */
  running: StepView | undefined = undefined;
  /** Views whose signal was read or whose span is open: the run's end aborts and ends them. */
  live: Set<StepView> | undefined = undefined;
  /**
   * Views whose signal was read and must abort when the run ends: caller views (`handler.ctx`),
   * and attempts that finished first (work they started may still be using the signal).
   */
  abortAtEnd: Set<StepView> | undefined = undefined;
  settled = false;
  status: RunStatus | "running" = "running";
  failure: unknown = undefined;
  /** A completed run's result (what the handler resolved to). */
  outcome: unknown = undefined;
  /** The run's id: given (a resumed run), or a UUID made when first asked for. */
  id: string | undefined = undefined;
  storeInstance: RunStore | undefined = undefined;
  /** Created by the first `unhandled$` subscriber: nobody listening, nothing to report to. */
  unhandledEvents: Subject<UnhandledEvent> | undefined = undefined;
  /** Created by the first `emitted$` subscriber: until then emitting costs one check. */
  emittedEvents: Subject<Event> | undefined = undefined;
  /**
   * Each step's worker pool: how many of its invocations are in flight (at most `numWorkers`),
   * by step index, and the rest of its state (queue, waiters, retries) made when first needed.
   */
  readonly active: number[];
  pools: (WorkerPool | undefined)[] | undefined = undefined;
  /** Stepwise runs only: how many more invocations of each step this round may start. */
  readonly budgets: number[] | undefined;
  /** Timers of step timeouts, retry delays and wait timeouts: cancelled at the run's end. */
  timers: Set<{ cancel(): void }> | undefined = undefined;
  runDeadline: Deadline | undefined = undefined;
  waiters: Map<EventClass, Set<Waiter>> | undefined = undefined;
  /**
   * For each class some live invocation waited for: how many such invocations are still running
   * (their later waits may want events that arrive in between, see `waitBuffer`).
   */
  waitedFor: Map<EventClass, number> | undefined = undefined;
  /** Events kept for waits still to come, by class, oldest first; `waitBuffered` in all. */
  waitBuffer: Map<EventClass, Event[]> | undefined = undefined;
  waitBuffered = 0;
  fanIn: FanIn | undefined = undefined;
  started = false;
  /** InputRequiredEvents that steps returned, written to the stream (not unhandled if unrouted). */
  streamedInputs: WeakSet<Event> | undefined = undefined;
  /** Events held for the start or the next stepwise round. */
  pending: Envelope[] | undefined = undefined;
  /** Invocations running or due to run (not suspended in a wait): a stepwise round ends at 0. */
  inflight = 0;
  round: Round | undefined = undefined;
  /** The run's observers (verbose log, journal); undefined when nobody observes. */
  ledger: RunLedger | undefined = undefined;
  /** A journaled run's link to its journal (undefined for a run in memory only). */
  journal: JournalLink | undefined = undefined;
  /**
   * A journaled run holds new work back while it has changes not yet durable: events are
   * queued, not started, until the journal says the checkpoint holding them is written.
   */
  holdWork = false;
  /** A journaled run's stream events, kept back until the checkpoint holding them is durable. */
  unreleased: Event[] | undefined = undefined;
  /** A journaled run's events from outside (`sendEvent`), delivered once durable. */
  inbound: Envelope[] | undefined = undefined;
  abstract readonly tracing: RunTracing;

  readonly settings: RunSettings;
  /** The start event (a run resumed from its journal learns it once the journal is read). */
  startEvent: Event;
  readonly timeoutMs: number | null;
  readonly stepwise: boolean;
  /** Undefined when every span would be a no-op (no SDK, no parent span): none is started. */
  readonly tracer: Tracer | undefined;
  readonly traceParent: OtelContext;
  readonly signal: AbortSignal | undefined;
  /** How many events steps wrote to the stream (the terminal event not counted). */
  streamWritten = 0;
  /** How many stream events have gone out to consumers (a journaled run's once durable). */
  streamDelivered = 0;

  get durable(): boolean {
    return this.journal !== undefined;
  }

  constructor(start: RunStart) {
    this.settings = start.settings;
    this.startEvent = start.startEvent;
    this.timeoutMs = start.timeoutMs;
    this.stepwise = start.stepwise;
    this.tracer = start.tracer;
    this.traceParent = start.traceParent;
    this.signal = start.signal;
    if (start.store !== undefined) this.storeInstance = start.store;
    const steps = start.settings.plan.steps.length;
    this.active = new Array<number>(steps).fill(0);
    this.budgets = start.stepwise ? new Array<number>(steps).fill(0) : undefined;
  }

  /** When the run times out, on the `performance.now()` clock; null without a timeout. */
  get deadline(): number | null {
    return this.runDeadline === undefined ? null : this.runDeadline.at;
  }

  /** Says once per run that its stream dropped events nobody consumed (see `streamLimit`). */
  private reportStreamDrop(limit: number): void {
    const message = `${this.settings.plan.workflowName} run ${this.runId}: the stream keeps at most ${limit} events for consumers not yet attached (streamLimit); older ones are dropped and counted on handler.streamDropped. Consume the stream (handler.events$, streamEvents()) or raise streamLimit.`;
    diag.warn(message);
    if (this.settings.verbose) this.settings.log(message);
  }

  /** The run's stream: written events, then the terminal event. */
  get stream(): EventStream {
    if (this.streamInstance === undefined) {
      this.streamInstance = new EventStream(this.settings.streamLimit, (limit) =>
        this.reportStreamDrop(limit),
      );
      if (this.terminal !== undefined) this.streamInstance.end(this.terminal);
    }
    return this.streamInstance;
  }

  /** This run's id: a UUID, made when first asked for. */
  get runId(): string {
    return (this.id ??= crypto.randomUUID());
  }

  get store(): RunStore {
    const plan = this.settings.plan;
    return (this.storeInstance ??= new RunStore(plan.stateSchema, plan.workflowName));
  }

  /** The step invocations so far, in start order, as plain records (see `StepView.toRecord`). */
  get history(): ExecutionRecord[] {
    const records: ExecutionRecord[] = [];
    for (let v = this.lastView; v !== undefined; v = v.previous) records.push(v.toRecord());
    return records.reverse();
  }

  /** A step's pool state (made on first use: most steps of most runs never need one). */
  pool(index: number): WorkerPool {
    const pools = (this.pools ??= new Array<WorkerPool | undefined>(this.active.length));
    return (pools[index] ??= new WorkerPool());
  }

  endReason(): unknown {
    return this.failure ?? new WorkflowCancelledError(this.settings.plan.workflowName);
  }

  /** Adds an attempt to the running list (O(1), no allocation). */
  addRunning(view: StepView): void {
    const head = this.running;
    view.runningNext = head;
    if (head !== undefined) head.runningPrev = view;
    this.running = view;
  }

  removeRunning(view: StepView): void {
    const { runningPrev: prev, runningNext: next } = view;
    if (prev === undefined) {
      if (this.running === view) this.running = next;
    } else prev.runningNext = next;
    if (next !== undefined) next.runningPrev = prev;
    view.runningPrev = view.runningNext = undefined;
  }

  /** Writes to the stream now, or (journaled run) once the checkpoint holding it is durable. */
  releaseToStream(event: Event): void {
    this.streamWritten++;
    if (this.journal === undefined) {
      this.streamDelivered++;
      this.stream.write(event);
    } else {
      (this.unreleased ??= []).push(event);
      this.journal.changed();
    }
  }

  addTimer(timer: { cancel(): void }): void {
    (this.timers ??= new Set()).add(timer);
  }

  // What the layers above provide to the ones below.
  /** Starts one attempt of a step on an event (invocation layer). */
  abstract invoke(
    step: StepRecord,
    event: Event,
    link: ProducerLink | undefined,
    attempt: number,
    lastError: unknown,
    firstStart: number,
    memo: CollectMemo | undefined,
    invocation: number,
    resumed?: {
      readonly answers: Event[] | undefined;
      readonly streamed: number;
      readonly waited?: EventClass[] | undefined;
    },
  ): void;
  /** Resolves the current stepwise round if it is over (stepwise layer). */
  abstract checkRound(): void;
  /** Ends the run with a stop event (run layer). */
  abstract complete(stop: StopEvent): void;
  /** Fails the run with a step's error (run layer). */
  abstract fail(step: string, error: unknown, attempts: number): void;
  abstract send(view: StepView, event: Event, stepName: string | undefined): void;
  abstract written(view: StepView, event: Event): void;
  abstract collect(
    view: StepView,
    event: Event,
    expected: EventClass | readonly EventClass[],
    options: { bufferId?: string; count?: number } | undefined,
  ): Event[] | null;
  abstract waitFor(
    view: StepView,
    cls: EventClass,
    options: WaitForEventOptions<Event> | undefined,
  ): Promise<Event>;
}
