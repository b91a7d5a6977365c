// The context one step attempt sees (`ctx`), which is also the attempt's execution record.
import type { Span, Tracer } from "@opentelemetry/api";
import type {
  Context,
  ContextWorkflow,
  RetryState,
  Store,
  WaitForEventOptions,
} from "../context.js";
import { WorkflowRuntimeError } from "../errors.js";
import { Event, type EventClass } from "../event.js";
import type { StepRecord } from "../internal/plan.js";
import { describeValue } from "./describe-value.js";
import type { EventStream } from "./event-stream.js";
import type { RunSettings } from "./run-settings.js";
import type { RunStore } from "./run-store.js";
import { StoreOverlay } from "./store-overlay.js";
import { rememberStreamedClass } from "./streamed-events.js";
import type { ProducerLink } from "./tracing.js";
import type { CollectMemo } from "./worker-pool.js";

/** One record per step invocation, in start order: what the drawer shows of a finished run. */
export interface ExecutionRecord {
  readonly step: string;
  readonly input: Event;
  readonly attempt: number;
  /**
   * The events the invocation returned or sent, the first `historyLimit` of them (a step that
   * sends more does not keep them all alive).
   */
  readonly output: Event[];
  /** Present when the invocation returned or sent more events than `output` keeps: how many more. */
  outputDropped?: number;
  status: "running" | "completed" | "failed";
  /** While the invocation is suspended in `waitForEvent`: the awaited event's type name. */
  waitingFor?: string;
}

/** What an attempt of a durable run has done that lands when it ends well. */
export interface Deferred {
  readonly sends: { event: Event; target: string | undefined }[];
  readonly stream: Event[];
  store: StoreOverlay | undefined;
}

/** What a view asks of its run (the run implements it; this file never imports the run). */
export interface ViewHost {
  readonly settings: RunSettings;
  readonly runId: string;
  readonly store: RunStore;
  /** True for a journaled run: an attempt's effects wait for its end (see `Deferred`). */
  readonly durable: boolean;
  readonly settled: boolean;
  readonly tracer: Tracer | undefined;
  readonly deadline: number | null;
  readonly stream: EventStream;
  /** The prototype of the last event written to the stream (checked to be an event then). */
  streamedProto: object | undefined;
  live: Set<StepView> | undefined;
  abortAtEnd: Set<StepView> | undefined;
  endReason(): unknown;
  send(view: StepView, event: Event, stepName: string | undefined): void;
  written(view: StepView, event: Event): void;
  collect(
    view: StepView,
    event: Event,
    expected: EventClass | readonly EventClass[],
    options: { bufferId?: string; count?: number } | undefined,
  ): Event[] | null;
  waitFor(
    view: StepView,
    cls: EventClass,
    options: WaitForEventOptions<Event> | undefined,
  ): Promise<Event>;
}

/**
 * The context view of one step attempt, or of the caller (`step === undefined`). It is also the
 * attempt's execution record: `history` makes plain records from it when someone reads it.
 */
export class StepView implements Context {
  private controller: AbortController | undefined = undefined;
  /**
   * Set when the attempt failed or timed out, or the run ended while it ran: what it sends or
   * writes later is dropped. (A completed attempt's ctx goes on working while the run lives:
   * work it handed its ctx to may still report.)
   */
  abandoned = false;
  /** Set when the attempt has returned, failed or timed out: its span has ended. */
  ended = false;
  private abortReason: unknown = undefined;
  /** Its place in the current stepwise round. */
  seq = 0;
  /** 1-based execution number of this invocation. */
  attempt = 1;
  /** What the previous attempt threw. */
  lastError: unknown = undefined;
  /** When the first attempt of this invocation started (steps with a retry policy). */
  firstStart = 0;
  /** What this invocation collected so far (steps with a retry policy); made on first use. */
  memo: CollectMemo | undefined = undefined;
  /** Durable runs: what the attempt sent, written and stored, applied when it ends well. */
  deferred: Deferred | undefined = undefined;
  /** Durable runs: what the attempt's `collectEvents` calls added and took (see snapshots). */
  collectLog: { key: string; added: Event | undefined; taken: Event[] }[] | undefined = undefined;
  /** The answers its waits got, in order (a snapshot keeps them for the invocation's re-run). */
  answers: Event[] | undefined = undefined;
  /** After a resume: earlier answers handed back, in order, to the re-run's waits. */
  replay: Event[] | undefined = undefined;
  /** The nested runs this attempt started (`run(input, { parent: ctx })`), as snapshots name them. */
  nested: { readonly workflow: string; readonly runId: string }[] | undefined = undefined;
  /** How many events this attempt has put in the run's stream so far (a snapshot keeps it). */
  streamed = 0;
  /** After a resume: how many of the re-run's first stream writes are in the stream already. */
  skipStream = 0;
  /** The classes this attempt has waited for (`waitForEvent`), or undefined. */
  waited: EventClass[] | undefined = undefined;
  /** The invocation's number in its run (1, 2, …): `invocationId` is made from it when asked. */
  invocation = 0;
  /** What the attempt returned or sent, in order: none, one event, or several. */
  output: Event | Event[] | undefined = undefined;
  /** Events past `historyLimit` the attempt returned or sent: counted, not kept. */
  outputDropped = 0;
  status: ExecutionRecord["status"] = "running";
  /** The type name of the event this attempt waits for now (`waitForEvent`), or undefined. */
  waitingFor: string | undefined = undefined;
  /** The plain record `history` handed out for this attempt, kept up to date from then on. */
  record: ExecutionRecord | undefined = undefined;
  /** The attempt before this one in the run's history. */
  previous: StepView | undefined = undefined;
  /** Neighbours in the run's list of attempts still running (see `RunState.running`). */
  runningPrev: StepView | undefined = undefined;
  runningNext: StepView | undefined = undefined;

  constructor(
    private readonly run: ViewHost,
    /** The attempt's step (undefined for the caller's view). */
    readonly step: StepRecord | undefined,
    /** The input event and its producer's span context. */
    readonly event: Event | undefined,
    readonly link: ProducerLink | undefined,
    readonly span: Span | undefined,
    /** The attempt's worker slot when traced, else -1. */
    readonly slot: number,
  ) {}

  addOutput(event: Event): void {
    const output = this.output;
    const kept = output === undefined ? 0 : Array.isArray(output) ? output.length : 1;
    if (kept >= this.run.settings.historyLimit) {
      // History is bounded here too: a step sending a million events keeps the first ones.
      this.outputDropped++;
      if (this.record !== undefined) this.record.outputDropped = this.outputDropped;
      return;
    }
    if (output === undefined) this.output = event;
    else if (Array.isArray(output)) output.push(event);
    else this.output = [output, event];
    this.record?.output.push(event);
  }

  /** Marks the attempt as suspended in `waitForEvent(type)`, or (undefined) as running again. */
  setWaiting(type: string | undefined): void {
    this.waitingFor = type;
    if (this.record === undefined) return;
    if (type === undefined) delete this.record.waitingFor;
    else this.record.waitingFor = type;
  }

  setStatus(status: ExecutionRecord["status"]): void {
    this.status = status;
    if (this.record !== undefined) this.record.status = status;
  }

  /** The attempt as a plain record (made once, then updated as the attempt goes on). */
  toRecord(): ExecutionRecord {
    const output = this.output;
    return (this.record ??= {
      step: this.step!.name,
      input: this.event!,
      attempt: this.attempt,
      output: output === undefined ? [] : Array.isArray(output) ? [...output] : [output],
      status: this.status,
      ...(this.outputDropped > 0 ? { outputDropped: this.outputDropped } : {}),
      ...(this.waitingFor !== undefined ? { waitingFor: this.waitingFor } : {}),
    });
  }

  /** The run this view belongs to. */
  get host(): ViewHost {
    return this.run;
  }
  get runId(): string {
    return this.run.runId;
  }
  get workflow(): ContextWorkflow {
    return this.run.settings.workflow;
  }
  get store(): Store<never> {
    const run = this.run;
    if (!run.durable || this.step === undefined) return run.store as unknown as Store<never>;
    const deferred = this.defer();
    return (deferred.store ??= new StoreOverlay(run.store)) as unknown as Store<never>;
  }

  /** The effects held for this attempt's end (durable runs). */
  defer(): Deferred {
    return (this.deferred ??= { sends: [], stream: [], store: undefined });
  }
  get retry(): RetryState {
    return { attempt: this.attempt, lastError: this.lastError };
  }
  /** Unique per step invocation in the run, the same for its retries and after a resume. */
  get invocationId(): string {
    return this.step === undefined ? "caller" : `${this.step.name}#${this.invocation}`;
  }
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      const run = this.run;
      if (run.settled) this.controller.abort(this.abortReason ?? run.endReason());
      // A timed-out attempt's signal is aborted for good.
      else if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
      else if (this.step !== undefined && !this.ended) (run.live ??= new Set()).add(this);
      // The caller's view, and attempts that are over: aborted when the run ends.
      else (run.abortAtEnd ??= new Set()).add(this);
    }
    return this.controller.signal;
  }
  /** The run's tracer (an explicit one is inherited by nested runs without their own). */
  get tracer(): Tracer | undefined {
    return this.run.tracer;
  }
  /** The run's deadline on the `performance.now()` clock, or null; nested runs inherit it. */
  get deadline(): number | null {
    return this.run.deadline;
  }

  /** True once someone has read `signal` (it then has to be aborted at the run's end). */
  get signalRead(): boolean {
    return this.controller !== undefined;
  }

  abort(reason: unknown): void {
    // Kept for a signal first read after the abort (a timed-out attempt that never looked).
    if (this.abortReason === undefined) this.abortReason = reason;
    this.controller?.abort(reason);
  }

  sendEvent(event: Event, options?: { readonly step?: string }): void {
    this.run.send(this, event, options?.step);
  }

  writeEventToStream(event: Event): void {
    const run = this.run;
    // A class already written passed the check: a stream of progress events is one class.
    if (
      typeof event !== "object" ||
      event === null ||
      Object.getPrototypeOf(event) !== run.streamedProto
    ) {
      if (!(event instanceof Event)) {
        throw new WorkflowRuntimeError(
          `writeEventToStream${this.where()} got ${describeValue(event)}, not an event: write instances of Event classes`,
        );
      }
      run.streamedProto = Object.getPrototypeOf(event) as object;
      rememberStreamedClass(run.settings.plan, event.constructor as EventClass);
    }
    if (this.abandoned) return;
    if (this.skipStream > 0) {
      // The same write of the run before the resume: its event is in the stream already.
      this.skipStream--;
      return;
    }
    run.written(this, event);
  }

  collectEvents(
    event: Event,
    expected: EventClass | readonly EventClass[],
    options?: { bufferId?: string; count?: number },
  ): never {
    return this.run.collect(this, event, expected, options) as never;
  }

  waitForEvent<E extends Event>(cls: EventClass<E>, options?: WaitForEventOptions<E>): Promise<E> {
    return this.run.waitFor(this, cls, options) as Promise<E>;
  }

  where(): string {
    return this.step === undefined ? " (handler.ctx)" : ` in step ${this.step.name}`;
  }
}
