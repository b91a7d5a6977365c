import { Observable, Subject } from "rxjs";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { Context as OtelContext, Span, Tracer } from "@opentelemetry/api";
import type { z } from "zod";
import type { Context, RetryState, Store, WaitForEventOptions } from "../context.js";
import {
  StepTimeoutError,
  WorkflowCancelledError,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
} from "../errors.js";
import {
  Event,
  type EventClass,
  StopEvent,
  eventSchema,
  eventTypeName,
  isEventClass,
} from "../event.js";
import type { StepServices } from "../step.js";
import {
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
} from "../workflow-events.js";
import type { UnhandledEvent } from "../workflow-handler.js";
import type { Workflow } from "../workflow.js";
import { Collector, type Taken } from "./collector.js";
import { type Deadline, addDeadline } from "./deadlines.js";
import { EventStream } from "./event-stream.js";
import { Fifo } from "./fifo.js";
import { type Route, type StepRecord, type WorkflowPlan, rememberOutput, routeOf } from "./plan.js";
import { type ProducerLink, type RunStatus, RunTracing } from "./tracing.js";

/**
 * An event held back from the bus (sent before the start, or between stepwise rounds), with its
 * producer's span context and an optional target step. Events routed at once travel as
 * arguments, with no envelope.
 */
interface Envelope {
  readonly event: Event;
  readonly link: ProducerLink | undefined;
  readonly target: StepRecord | undefined;
}

/**
 * What an invocation of a step with a retry policy collected from each buffer: a retry must not
 * buffer its event again, and gets the batch that a failed attempt already took.
 */
type CollectMemo = Map<string, Taken<ProducerLink> | null>;

/** A retry waiting for a worker (first tries wait as their bare events). */
interface Pending {
  readonly event: Event;
  readonly link: ProducerLink | undefined;
  readonly attempt: number;
  readonly lastError: unknown;
  readonly firstStart: number;
  readonly memo: CollectMemo | undefined;
}

interface Waiter {
  readonly cls: EventClass;
  readonly requirements: Readonly<Record<string, unknown>> | undefined;
  readonly view: StepView;
  resolve(event: Event): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

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
}

/**
 * What every run of one workflow instance shares (made once per instance and plan); what
 * differs per run (start event, timeout, tracer, signal) is on the run itself.
 */
export class RunSettings {
  constructor(
    readonly workflow: Workflow,
    readonly plan: WorkflowPlan,
    readonly verbose: boolean,
    readonly log: (message: string) => void,
    readonly recordExceptions: boolean,
    /** Record the input event's JSON on step spans, cut to this length; undefined for none. */
    readonly payloadMaxLength: number | undefined,
    readonly services: ReadonlyMap<string, unknown>,
    /** How many execution records `history` keeps. */
    readonly historyLimit: number,
  ) {}
}

interface Round {
  seq: number;
  readonly produced: { seq: number; env: Envelope }[];
  resolve(): void;
  reject(error: unknown): void;
}

const now = () => performance.now();

/**
 * The part of a step's worker pool that few runs need: invocations queued for a worker, waiting
 * for an event or for a retry, and the worker slots of traced attempts. Made for a step when it
 * first needs one; the in-flight count of every step lives in the run's `active` array.
 */
class PoolState {
  waiting = 0;
  /** Invocations waiting out a retry delay: they hold no worker slot but are still active. */
  retrying = 0;
  /** First tries waiting for a worker: their events, as they are (no wrapper). */
  queue: Fifo<Event> | undefined = undefined;
  /** Beside `queue`, the events' producer span contexts, once any event had one. */
  queueLinks: Fifo<ProducerLink | undefined> | undefined = undefined;
  /** Retries waiting for a worker: they go before first tries, so a retry is not starved. */
  retries: Fifo<Pending> | undefined = undefined;

  /** How many invocations wait for a worker. */
  get queued(): number {
    return (this.queue?.length ?? 0) + (this.retries?.length ?? 0);
  }

  enqueue(event: Event, link: ProducerLink | undefined): void {
    const queue = (this.queue ??= new Fifo());
    if (link !== undefined && this.queueLinks === undefined) {
      // The first known link: the events queued before it had none.
      this.queueLinks = new Fifo();
      for (let k = 0; k < queue.length; k++) this.queueLinks.push(undefined);
    }
    queue.push(event);
    this.queueLinks?.push(link);
  }

  clear(): void {
    this.queue?.clear();
    this.queueLinks?.clear();
    this.retries?.clear();
  }
  private freeSlots: number[] | undefined = undefined;
  private nextSlot = 0;

  /** The worker slot of a traced attempt (`eventloom.step.worker`): a free one, reused. */
  takeSlot(): number {
    const free = this.freeSlots;
    return free !== undefined && free.length > 0 ? free.pop()! : this.nextSlot++;
  }

  releaseSlot(slot: number): void {
    (this.freeSlots ??= []).push(slot);
  }
}

/**
 * The context view of one step attempt, or of the caller (`pool === undefined`). It is also the
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
  seq = 0;
  /** What the attempt returned or sent, in order: none, one event, or several. */
  output: Event | Event[] | undefined = undefined;
  /** Events past `historyLimit` the attempt returned or sent: counted, not kept. */
  outputDropped = 0;
  status: ExecutionRecord["status"] = "running";
  /** The plain record `history` handed out for this attempt, kept up to date from then on. */
  record: ExecutionRecord | undefined = undefined;
  /** The attempt before this one in the run's history. */
  previous: StepView | undefined = undefined;

  constructor(
    private readonly run: Run,
    /** The attempt's step (undefined for the caller's view). */
    readonly step: StepRecord | undefined,
    /** The input event and its producer's span context. */
    readonly event: Event | undefined,
    readonly link: ProducerLink | undefined,
    readonly attempt: number,
    readonly lastError: unknown,
    readonly span: Span | undefined,
    /** The attempt's worker slot when traced, else -1. */
    readonly slot: number,
    /** When the first attempt of this invocation started (steps with a retry policy). */
    readonly firstStart: number,
    /** What this invocation collected so far (steps with a retry policy); made on first use. */
    public memo: CollectMemo | undefined,
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
    });
  }

  get runId(): string {
    return this.run.runId;
  }
  get workflow(): Workflow {
    return this.run.settings.workflow;
  }
  get store(): Store<never> {
    return this.run.store as unknown as Store<never>;
  }
  get retry(): RetryState {
    return { attempt: this.attempt, lastError: this.lastError };
  }
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.run.settled) this.controller.abort(this.abortReason ?? this.run.endReason());
      // A timed-out attempt's signal is aborted for good.
      else if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
      else if (this.step !== undefined && !this.ended) (this.run.live ??= new Set()).add(this);
      // The caller's view, and attempts that are over: aborted when the run ends.
      else (this.run.abortAtEnd ??= new Set()).add(this);
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
          `writeEventToStream${this.where()} got ${describe(event)}, not an event: write instances of Event classes`,
        );
      }
      run.streamedProto = Object.getPrototypeOf(event) as object;
    }
    if (this.abandoned) return;
    run.stream.write(event);
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

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `the class/function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") return `an object of class ${value.constructor?.name ?? "Object"}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

class RunStore implements Store<Record<string, unknown>> {
  private readonly values = new Map<string, unknown>();
  constructor(
    private readonly schema: z.ZodObject | undefined,
    private readonly workflowName: string,
  ) {
    // The plan has checked that every field has a default (`buildPlan`).
    if (schema !== undefined) {
      for (const [k, v] of Object.entries(schema.parse({}))) this.values.set(k, v);
    }
  }

  get(key: string, ...rest: [unknown?]): Promise<unknown> {
    if (this.values.has(key)) return Promise.resolve(this.values.get(key));
    if (rest.length > 0) return Promise.resolve(rest[0]);
    return Promise.reject(
      new WorkflowRuntimeError(
        `${this.workflowName}: store has no key "${key}": set it first, or pass a default: ctx.store.get("${key}", fallback)`,
      ),
    );
  }

  set(key: string, value: unknown): Promise<void> {
    if (this.schema !== undefined) {
      const field = this.schema.shape[key] as z.ZodType | undefined;
      if (field === undefined) {
        return Promise.reject(
          new WorkflowRuntimeError(
            `${this.workflowName}: store key "${key}" is not in the workflow's state schema (keys: ${Object.keys(this.schema.shape).join(", ")})`,
          ),
        );
      }
      const parsed = field.safeParse(value);
      if (!parsed.success) {
        return Promise.reject(
          new WorkflowRuntimeError(
            `${this.workflowName}: invalid value for store key "${key}": ${parsed.error.issues.map((i) => i.message).join("; ")}`,
            { cause: parsed.error },
          ),
        );
      }
      value = parsed.data;
    }
    this.values.set(key, value);
    return Promise.resolve();
  }
}

/**
 * One run of a workflow. Its bus (`route`) hands each event by class in O(1) to the worker pools
 * of the accepting steps; `emitted$`, made for its first subscriber, is the bus as an RxJS Subject.
 */
export class Run {
  /** The prototype of the last event written to the stream (checked to be an event then). */
  streamedProto: object | undefined = undefined;
  /** The stream, made by the first write or consumer (a run nobody streams makes none). */
  private streamInstance: EventStream | undefined = undefined;
  /** The terminal event, once the run has ended (for a stream made after that). */
  private terminal: StopEvent | undefined = undefined;
  /**
   * The attempts `history` shows (at most `historyLimit`), as a list linked backwards through
   * `StepView.previous`: a short run then allocates no array for them.
   */
  private lastView: StepView | undefined = undefined;
  private viewCount = 0;
  /** Invocations past `historyLimit`, not recorded in `history`. */
  historyDropped = 0;
  /** Views whose signal was read or whose span is open: the run's end aborts and ends them. */
  live: Set<StepView> | undefined = undefined;
  /**
   * Views whose signal was read and must abort when the run ends: caller views (`handler.ctx`),
   * and attempts that finished first (work they started may still be using the signal).
   */
  abortAtEnd: Set<StepView> | undefined = undefined;
  /** When the run times out, on the `performance.now()` clock; null without a timeout. */
  get deadline(): number | null {
    return this.runDeadline === undefined ? null : this.runDeadline.at;
  }
  settled = false;
  status: RunStatus | "running" = "running";
  failure: unknown = undefined;

  // Everything below that a run may never need is created on first use: a short run allocates
  // little, and 10 000 idle runs stay small.
  private id: string | undefined;
  private storeInstance: RunStore | undefined;
  private caller: StepView | undefined;
  /** Created by the first `unhandled$` subscriber: nobody listening, nothing to report to. */
  private unhandledEvents: Subject<UnhandledEvent> | undefined;
  /** Created by the first `emitted$` subscriber: until then emitting costs one check. */
  private emittedEvents: Subject<Event> | undefined;
  /**
   * Each step's worker pool: how many of its invocations are in flight (at most `numWorkers`),
   * by step index, and the rest of its state (queue, waiters, retries) made when first needed.
   */
  private readonly active: number[];
  private pools: (PoolState | undefined)[] | undefined = undefined;
  /** Stepwise runs only: how many more invocations of each step this round may start. */
  private readonly budgets: number[] | undefined;
  private readonly tracing: RunTracing;
  private timers: Set<ReturnType<typeof setTimeout>> | undefined;
  private runDeadline: Deadline | undefined;
  private waiters: Map<EventClass, Set<Waiter>> | undefined;
  private collectors: Map<string, Collector<ProducerLink>> | undefined;
  /** The buffer last collected from, and the class last checked as `expected` (fan-ins repeat). */
  private lastCollectorKey: string | undefined = undefined;
  private lastCollector: Collector<ProducerLink> | undefined = undefined;
  private lastCollectedClass: EventClass | undefined = undefined;
  private started = false;
  /** InputRequiredEvents that steps returned, written to the stream (not unhandled if unrouted). */
  private streamedInputs: WeakSet<Event> | undefined = undefined;
  /** Events held for the start or the next stepwise round. */
  private pending: Envelope[] | undefined = undefined;
  private inflight = 0;
  private round: Round | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    readonly settings: RunSettings,
    readonly startEvent: Event,
    readonly timeoutMs: number | null,
    readonly stepwise: boolean,
    /** Undefined when every span would be a no-op (no SDK, no parent span): none is started. */
    readonly tracer: Tracer | undefined,
    readonly traceParent: OtelContext,
    readonly signal: AbortSignal | undefined,
    /** The run's handler: the promise of its result. */
    readonly result: Promise<unknown>,
    private readonly resolveResult: (value: unknown) => void,
    private readonly rejectResult: (error: unknown) => void,
  ) {
    const plan = settings.plan;
    this.tracing =
      tracer === undefined && traceParent === ROOT_CONTEXT
        ? RunTracing.off
        : new RunTracing(tracer, plan.workflowName, this, traceParent, settings);
    this.active = new Array<number>(plan.steps.length).fill(0);
    this.budgets = stepwise ? new Array<number>(plan.steps.length).fill(0) : undefined;
    if (timeoutMs !== null) this.runDeadline = addDeadline(timeoutMs, this);
    if (signal !== undefined) {
      this.onAbort = () => this.cancel(signal.reason);
      if (signal.aborted) queueMicrotask(this.onAbort);
      else signal.addEventListener("abort", this.onAbort, { once: true });
    }
    if (!stepwise) scheduleStart(this);
  }

  /** Called by the shared deadline timer when the run's timeout has passed. */
  onDeadline(): void {
    this.timeOut(this.timeoutMs!);
  }

  /** The step invocations so far, in start order, as plain records (see `StepView.toRecord`). */
  get history(): ExecutionRecord[] {
    const records: ExecutionRecord[] = [];
    for (let v = this.lastView; v !== undefined; v = v.previous) records.push(v.toRecord());
    return records.reverse();
  }

  /** A step's pool state (made on first use: most steps of most runs never need one). */
  private pool(index: number): PoolState {
    const pools = (this.pools ??= new Array<PoolState | undefined>(this.active.length));
    return (pools[index] ??= new PoolState());
  }

  /** Hands an event to a step: invoked at once if a worker is free, else queued. */
  private push(step: StepRecord, event: Event, link: ProducerLink | undefined): void {
    const i = step.index;
    const budgets = this.budgets;
    const pool = this.pools?.[i];
    if (
      this.active[i]! < step.limit &&
      (budgets === undefined || budgets[i]! > 0) &&
      (pool === undefined || pool.queued === 0)
    ) {
      if (budgets !== undefined) budgets[i]!--;
      this.invoke(step, event, link, 1, undefined, 0, undefined);
    } else {
      this.pool(i).enqueue(event, link);
    }
  }

  /** Starts queued invocations of a step while it has free workers (and round budget). */
  private pump(step: StepRecord): void {
    const i = step.index;
    const pool = this.pools?.[i];
    if (pool === undefined) return;
    const budgets = this.budgets;
    while (this.active[i]! < step.limit && pool.queued > 0) {
      if (budgets !== undefined) {
        if (budgets[i]! <= 0) return;
        budgets[i]!--;
      }
      const retries = pool.retries;
      if (retries !== undefined && retries.length > 0) {
        const p = retries.shift()!;
        this.invoke(step, p.event, p.link, p.attempt, p.lastError, p.firstStart, p.memo);
      } else {
        const event = pool.queue!.shift()!;
        this.invoke(step, event, pool.queueLinks?.shift(), 1, undefined, 0, undefined);
      }
    }
  }

  /** The run's stream: written events, then the terminal event. */
  get stream(): EventStream {
    if (this.streamInstance === undefined) {
      this.streamInstance = new EventStream();
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

  /** The caller's view of the context (`handler.ctx`). */
  get callerView(): StepView {
    return (this.caller ??= new StepView(
      this,
      undefined,
      undefined,
      undefined,
      1,
      undefined,
      undefined,
      -1,
      0,
      undefined,
    ));
  }

  /** Events no step accepted (hot, no replay), then complete at the run's end. */
  get unhandled$(): Observable<UnhandledEvent> {
    return new Observable<UnhandledEvent>((subscriber) => {
      if (this.settled) {
        subscriber.complete();
        return undefined;
      }
      this.unhandledEvents ??= new Subject<UnhandledEvent>();
      return this.unhandledEvents.subscribe(subscriber);
    });
  }

  start(): void {
    if (this.started || this.settled) return;
    this.started = true;
    this.route(this.startEvent, undefined, undefined, undefined);
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    for (const env of pending) {
      if (this.settled) return;
      this.route(env.event, env.link, env.target, undefined);
    }
  }

  /**
   * Every event a step of this run returns or sends, as it is emitted (hot, no replay), then
   * complete at the run's end. Events sent from outside (`handler.sendEvent`) are not in it, so
   * two runs bridged both ways cannot echo an event back and forth.
   */
  get emitted$(): Observable<Event> {
    return new Observable<Event>((subscriber) => {
      if (this.settled) {
        subscriber.complete();
        return undefined;
      }
      this.emittedEvents ??= new Subject<Event>();
      return this.emittedEvents.subscribe(subscriber);
    });
  }

  // --- routing -------------------------------------------------------------------------------

  /**
   * The bus: routes an event by class in O(1) (its route comes cached from the producing step,
   * or from the plan) to the worker pools of the steps that accept it, or to one target step.
   */
  private route(
    event: Event,
    link: ProducerLink | undefined,
    target: StepRecord | undefined,
    known: Route | undefined,
  ): void {
    if (this.settled) return;
    const route = known ?? routeOf(this.settings.plan, event);
    if (route.stop) {
      this.complete(event as StopEvent);
      return;
    }
    if (target !== undefined) {
      this.push(target, event, link);
      return;
    }
    const delivered = this.waiters !== undefined && this.deliverToWaiters(this.waiters, event);
    const steps = route.steps;
    if (steps !== undefined) {
      for (let i = 0; i < steps.length; i++) this.push(steps[i]!, event, link);
      return;
    }
    // A returned InputRequiredEvent went to the stream: that is where it is handled.
    if (!delivered && !(route.inputRequired && this.streamedInputs?.has(event) === true)) {
      const reason = `no step accepts ${eventTypeName(event.constructor as EventClass)}`;
      if (this.settings.verbose) this.settings.log(`Unhandled event: ${reason}`);
      this.unhandledEvents?.next({ event, reason });
    }
  }

  /** Puts an event on the bus, or holds it for the start or the next round in stepwise mode. */
  private emit(
    from: StepView | undefined,
    event: Event,
    link: ProducerLink | undefined,
    target: StepRecord | undefined,
    route: Route | undefined,
  ): void {
    if (from !== undefined && this.emittedEvents !== undefined) this.emittedEvents.next(event);
    if (this.stepwise) {
      const round = this.round;
      if (from !== undefined && round !== undefined) {
        round.produced.push({ seq: from.seq, env: { event, link, target } });
        // A stop event in a round ends the run at once and aborts the rest of the round.
        if (event instanceof StopEvent) this.complete(event);
        return;
      }
    }
    if (this.stepwise || !this.started) {
      (this.pending ??= []).push({ event, link, target });
      return;
    }
    this.route(event, link, target, route);
  }

  send(view: StepView, event: Event, stepName: string | undefined): void {
    const step = view.step;
    let route: Route | undefined;
    // A step sending the class it last returned or sent: checked then, routed as then.
    if (
      step !== undefined &&
      typeof event === "object" &&
      event !== null &&
      Object.getPrototypeOf(event) === step.lastOutput
    ) {
      route = step.lastRoute;
    } else {
      if (!(event instanceof Event)) {
        throw new WorkflowRuntimeError(
          `sendEvent${view.where()} got ${describe(event)}, not an event: send instances of Event classes`,
        );
      }
      if (step !== undefined) {
        const cls = event.constructor as EventClass;
        if (!step.emits.has(cls)) {
          throw new WorkflowRuntimeError(
            `Step ${step.name} sent ${eventTypeName(cls)}, which is not in its emits (${this.emitsList(step)}): add ${eventTypeName(cls)} to emits`,
          );
        }
        route = rememberOutput(this.settings.plan, step, event);
      }
    }
    const cls = event.constructor as EventClass;
    let target: StepRecord | undefined;
    if (stepName !== undefined) {
      target = this.settings.plan.byName.get(stepName);
      if (target === undefined) {
        throw new WorkflowRuntimeError(
          `sendEvent${view.where()}: there is no step named "${stepName}" in ${this.settings.plan.workflowName} (steps: ${[...this.settings.plan.byName.keys()].join(", ")})`,
        );
      }
      if (!target.acceptsSet.has(cls)) {
        throw new WorkflowRuntimeError(
          `sendEvent${view.where()}: step ${stepName} does not accept ${eventTypeName(cls)} (it accepts ${target.definition.accepts.map(eventTypeName).join(", ")})`,
        );
      }
    }
    if (this.settled) {
      if (step === undefined) {
        throw new WorkflowRuntimeError(
          `Cannot send ${eventTypeName(cls)}: run ${this.runId} of ${this.settings.plan.workflowName} has already ended (${this.status})`,
        );
      }
      return;
    }
    if (view.abandoned) return;
    if (step !== undefined) view.addOutput(event);
    const span = view.span;
    this.emit(
      step === undefined ? undefined : view,
      event,
      span === undefined ? undefined : this.tracing.linkOf(span),
      target,
      route,
    );
  }

  private emitsList(step: StepRecord): string {
    return step.definition.emits.length === 0
      ? "none"
      : step.definition.emits.map(eventTypeName).join(", ");
  }

  // --- invocations ---------------------------------------------------------------------------

  /**
   * Starts one attempt of a step on an event. Not async itself: everything an attempt needs
   * later lives on its view, and the attempt settles through two small closures.
   */
  private invoke(
    step: StepRecord,
    event: Event,
    link: ProducerLink | undefined,
    attempt: number,
    lastError: unknown,
    firstStart: number,
    memo: CollectMemo | undefined,
  ): void {
    const def = step.definition;
    const settings = this.settings;
    this.active[step.index]!++;
    this.inflight++;
    const traced = this.tracing.enabled;
    const slot = traced ? this.pool(step.index).takeSlot() : -1;
    if (def.retry !== undefined && attempt === 1) firstStart = now();
    const span = traced ? this.tracing.startStep(step.name, attempt, slot, event, link) : undefined;
    const view = new StepView(
      this,
      step,
      event,
      link,
      attempt,
      lastError,
      span,
      slot,
      firstStart,
      memo,
    );
    // History is bounded: retaining every attempt of a long loop would cost more than the
    // engine itself (GC). Past the limit only the count goes on.
    if (this.viewCount < settings.historyLimit) {
      view.previous = this.lastView;
      this.lastView = view;
      this.viewCount++;
    } else this.historyDropped++;
    if (this.round !== undefined) view.seq = this.round.seq++;
    if (span !== undefined) (this.live ??= new Set()).add(view);
    if (settings.verbose) settings.log(`Running step ${step.name}`);

    let out: unknown;
    try {
      const services = def.services.length === 0 ? NO_SERVICES : this.servicesFor(step, view);
      out =
        span === undefined
          ? step.handler.call(settings.workflow, event, view, services)
          : this.tracing.runInSpan(span, step.handler, settings.workflow, event, view, services);
    } catch (e) {
      this.attemptEnded(view, undefined, true, e);
      return;
    }
    // What the step returned, settled: a value or a promise, always at least one tick later.
    // Two small closures rather than an async frame: about half the memory per step.
    void Promise.resolve(
      def.timeout === undefined ? out : this.withStepTimeout(view, out, def.timeout),
    ).then(
      (result) => this.attemptEnded(view, result, false, undefined),
      (error: unknown) => this.attemptEnded(view, undefined, true, error),
    );
  }

  private attemptEnded(view: StepView, result: unknown, failed: boolean, error: unknown): void {
    const step = view.step!;
    const def = step.definition;
    const settings = this.settings;
    const span = view.span;
    let fatal = false;
    let route: Route | undefined;
    if (!failed && result !== undefined && result !== null) {
      // The common case costs one comparison: the class this step returned last time.
      if (typeof result === "object" && Object.getPrototypeOf(result) === step.lastOutput) {
        route = step.lastRoute;
      } else {
        const problem = this.checkOutput(step, result);
        if (problem !== undefined) {
          failed = fatal = true;
          error = problem;
        } else {
          route = rememberOutput(settings.plan, step, result as Event);
        }
      }
    }
    view.ended = true;
    if (failed) view.abandoned = true;
    this.live?.delete(view);
    if (view.signalRead && !this.settled) (this.abortAtEnd ??= new Set()).add(view);
    this.active[step.index]!--;
    if (view.slot >= 0) this.pool(step.index).releaseSlot(view.slot);
    this.inflight--;
    // The run's end already ended this span (it was live then): a span ends exactly once.
    if (this.settled) return;
    if (!failed) {
      this.tracing.endStep(span);
      view.setStatus("completed");
      if (result === undefined || result === null) {
        if (settings.verbose) settings.log(`Step ${step.name} produced no event`);
      } else {
        const ev = result as Event;
        if (settings.verbose)
          settings.log(
            `Step ${step.name} produced event ${eventTypeName(ev.constructor as EventClass)}`,
          );
        view.addOutput(ev);
        if (route!.inputRequired && step.emitsInputRequired) {
          this.stream.write(ev);
          (this.streamedInputs ??= new WeakSet()).add(ev);
        }
        const link = span === undefined ? undefined : this.tracing.linkOf(span);
        // Straight onto the bus unless someone watches emitted$ or rounds hold events back.
        if (!this.stepwise && this.emittedEvents === undefined)
          this.route(ev, link, undefined, route);
        else this.emit(view, ev, link, undefined, route);
      }
    } else {
      this.tracing.endStep(span, error);
      view.setStatus("failed");
      if (!fatal && def.retry !== undefined && this.scheduleRetry(step, view, error)) {
        // retried: nothing else to do
      } else if (!this.settled) {
        this.fail(step.name, error, view.attempt);
      }
    }
    if (this.pools !== undefined && !this.settled) this.pump(step);
    if (this.round !== undefined) this.checkRound();
  }

  private checkOutput(step: StepRecord, result: unknown): WorkflowRuntimeError | undefined {
    // The common case first, cheaply: an instance of exactly one of the step's emits.
    const own = (result as { constructor?: unknown }).constructor as EventClass;
    if (typeof result === "object" && step.emits.has(own) && result instanceof own)
      return undefined;
    if (!(result instanceof Event)) {
      return new WorkflowRuntimeError(
        `Step ${step.name} returned ${describe(result)}; a step returns an event, or nothing (undefined/null)`,
      );
    }
    const cls = result.constructor as EventClass;
    if (!step.emits.has(cls)) {
      return new WorkflowRuntimeError(
        `Step ${step.name} returned ${eventTypeName(cls)}, which is not in its emits (${this.emitsList(step)}): add ${eventTypeName(cls)} to emits`,
      );
    }
    return undefined;
  }

  private withStepTimeout(view: StepView, out: unknown, ms: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.timers?.delete(timer);
        const error = new StepTimeoutError(view.step!.name, ms);
        view.abandoned = true;
        view.abort(error);
        reject(error);
      }, ms);
      this.addTimer(timer);
      Promise.resolve(out).then(
        (v) => {
          clearTimeout(timer);
          this.timers?.delete(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          this.timers?.delete(timer);
          reject(e);
        },
      );
    });
  }

  private scheduleRetry(step: StepRecord, view: StepView, error: unknown): boolean {
    const attempt = view.attempt;
    const firstStart = view.firstStart;
    let delay: number | null;
    try {
      delay = step.definition.retry!.next({ attempt, elapsedMs: now() - firstStart, error });
    } catch (policyError) {
      this.fail(step.name, policyError, attempt);
      return true;
    }
    if (delay === null || delay === undefined) return false;
    if (typeof delay !== "number" || !(delay >= 0) || !Number.isFinite(delay)) {
      this.fail(
        step.name,
        new WorkflowRuntimeError(
          `The retry policy of step ${step.name} returned ${String(delay)}; next() must return a delay in ms (>= 0) or null`,
        ),
        attempt,
      );
      return true;
    }
    if (this.settings.verbose)
      this.settings.log(`Step ${step.name} failed (attempt ${attempt}); retrying in ${delay} ms`);
    this.inflight++;
    const pool = this.pool(step.index);
    pool.retrying++;
    const retry: Pending = {
      event: view.event!,
      link: view.link,
      attempt: attempt + 1,
      lastError: error,
      firstStart,
      memo: view.memo,
    };
    const timer = setTimeout(() => {
      this.timers?.delete(timer);
      this.inflight--;
      pool.retrying--;
      if (this.settled) return;
      if (this.budgets !== undefined) this.budgets[step.index]!++;
      // A retry goes ahead of waiting first tries, so a retried event is not starved.
      (pool.retries ??= new Fifo()).push(retry);
      this.pump(step);
      this.checkRound();
    }, delay);
    this.addTimer(timer);
    return true;
  }

  private addTimer(timer: ReturnType<typeof setTimeout>): void {
    (this.timers ??= new Set()).add(timer);
  }

  /**
   * The services a step asked for. A workflow among them is handed over as a view whose `run()`
   * starts a nested run of this attempt (`parent: ctx` unless given): it inherits the trace,
   * cancellation and deadline, as `await services.child.run(input)` in the Python original.
   */
  servicesFor(step: StepRecord, view: StepView): StepServices {
    const out: Record<string, unknown> = {};
    for (const name of step.definition.services) {
      const service = this.settings.services.get(name);
      out[name] = isWorkflowLike(service) ? nestedView(service, view) : service;
    }
    return out;
  }

  // --- fan-in and waiting --------------------------------------------------------------------

  collect(
    view: StepView,
    event: Event,
    expected: EventClass | readonly EventClass[],
    options: { bufferId?: string; count?: number } | undefined,
  ): Event[] | null {
    const step = view.step;
    if (step === undefined) {
      throw new WorkflowRuntimeError(
        "collectEvents belongs inside a step: call it on the step's ctx, not on handler.ctx",
      );
    }
    if (!(event instanceof Event)) {
      throw new WorkflowRuntimeError(
        `collectEvents in step ${step.name}: the first argument must be the event to buffer; got ${describe(event)}`,
      );
    }
    const key =
      options?.bufferId === undefined ? step.name : `${step.name}\u0000${options.bufferId}`;
    let collector: Collector<ProducerLink> | undefined;
    if (key === this.lastCollectorKey) collector = this.lastCollector!;
    else {
      const collectors = (this.collectors ??= new Map<string, Collector<ProducerLink>>());
      collector = collectors.get(key);
      if (collector === undefined) collectors.set(key, (collector = new Collector()));
      this.lastCollectorKey = key;
      this.lastCollector = collector;
    }
    // A step with a retry policy remembers, per invocation, what it collected: its retries share it.
    const memo =
      step.definition.retry !== undefined && event === view.event
        ? (view.memo ??= new Map())
        : undefined;
    const prior = memo?.get(key);
    if (prior === undefined) collector.add(event, event === view.event ? view.link : undefined);
    let taken: Taken<ProducerLink> | null;
    if (Array.isArray(expected)) {
      for (const cls of expected) {
        if (!isEventClass(cls)) {
          throw new WorkflowRuntimeError(
            `collectEvents in step ${step.name}: expected must list event classes; got ${describe(cls)}`,
          );
        }
      }
      taken = prior ?? collector.takeEach(expected);
    } else {
      const count = options?.count;
      if (
        (expected !== this.lastCollectedClass && !isEventClass(expected)) ||
        typeof count !== "number" ||
        !Number.isInteger(count) ||
        count < 1
      ) {
        throw new WorkflowRuntimeError(
          `collectEvents in step ${step.name}: pass a list of event classes, or one class with { count: n } (n >= 1)`,
        );
      }
      this.lastCollectedClass = expected;
      taken = prior ?? collector.takeCount(expected, count);
    }
    memo?.set(key, taken);
    if (taken === null) return null;
    // An attempt that is over has ended its span: links would land on an ended span.
    const links = taken.links;
    if (view.span !== undefined && !view.abandoned && !view.ended && links !== undefined) {
      const own = view.event;
      this.tracing.addLinks(
        view.span,
        taken.events.map((e, i) => (e === own ? undefined : links[i])),
      );
    }
    // A copy: a retry that gets the memoized batch must not see what this attempt did to it.
    return memo === undefined ? taken.events : taken.events.slice();
  }

  waitFor(
    view: StepView,
    cls: EventClass,
    options: WaitForEventOptions<Event> | undefined,
  ): Promise<Event> {
    const step = view.step;
    if (step === undefined) {
      throw new WorkflowRuntimeError(
        "waitForEvent belongs inside a step: call it on the step's ctx, not on handler.ctx",
      );
    }
    if (!isEventClass(cls)) {
      throw new WorkflowRuntimeError(
        `waitForEvent in step ${step.name}: expected an event class; got ${describe(cls)}`,
      );
    }
    const timeout = options?.timeout;
    if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0)) {
      throw new WorkflowRuntimeError(
        `waitForEvent in step ${step.name}: timeout must be a positive number of ms`,
      );
    }
    if (this.settled) return Promise.reject(this.endReason());
    // An attempt that is over (a timed-out one may still be running) no longer holds its worker.
    if (view.abandoned || view.ended) {
      return Promise.reject(
        view.signal.aborted
          ? view.signal.reason
          : new WorkflowRuntimeError(
              `waitForEvent in step ${step.name}: the step's attempt has already ended; wait inside the step, before it returns`,
            ),
      );
    }
    const pool = this.pool(step.index);
    return new Promise<Event>((resolve, reject) => {
      const waiter: Waiter = {
        cls,
        requirements: options?.requirements as Record<string, unknown> | undefined,
        view,
        timer: undefined,
        resolve: (e) => {
          this.resumeWaiter(waiter, pool);
          resolve(e);
        },
        reject: (e) => {
          this.resumeWaiter(waiter, pool);
          reject(e);
        },
      };
      const waiters = (this.waiters ??= new Map());
      let set = waiters.get(cls);
      if (set === undefined) waiters.set(cls, (set = new Set()));
      set.add(waiter);
      pool.waiting++;
      this.inflight--;
      if (timeout !== undefined) {
        waiter.timer = setTimeout(() => {
          waiter.timer = undefined;
          waiter.reject(new StepTimeoutError(step.name, timeout, "waitForEvent"));
        }, timeout);
        this.addTimer(waiter.timer);
      }
      if (options?.waiterEvent !== undefined) view.writeEventToStream(options.waiterEvent);
      this.checkRound();
    });
  }

  private resumeWaiter(waiter: Waiter, pool: PoolState): void {
    const waiters = this.waiters;
    const set = waiters?.get(waiter.cls);
    if (set === undefined || !set.delete(waiter)) return;
    if (set.size === 0) {
      waiters!.delete(waiter.cls);
      if (waiters!.size === 0) this.waiters = undefined;
    }
    if (waiter.timer !== undefined) {
      clearTimeout(waiter.timer);
      this.timers?.delete(waiter.timer);
    }
    pool.waiting--;
    this.inflight++;
  }

  private deliverToWaiters(waiters: Map<EventClass, Set<Waiter>>, event: Event): boolean {
    const set = waiters.get(event.constructor as EventClass);
    if (set === undefined) return false;
    let delivered = false;
    for (const w of [...set]) {
      if (w.requirements !== undefined) {
        const fields = event as unknown as Record<string, unknown>;
        let ok = true;
        for (const k in w.requirements) if (fields[k] !== w.requirements[k]) ok = false;
        if (!ok) continue;
      }
      delivered = true;
      w.resolve(event);
    }
    return delivered;
  }

  // --- stepwise ------------------------------------------------------------------------------

  async runStep(): Promise<Event[] | null> {
    if (this.settled) {
      if (this.status === "failed" || this.status === "timed_out") throw this.failure;
      return null;
    }
    if (this.round !== undefined) {
      throw new WorkflowRuntimeError(
        "runStep() was called while the previous round is still running: await each runStep() before the next",
      );
    }
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const round: Round = { seq: 0, produced: [], resolve, reject };
    this.round = round;
    const held = this.pending ?? [];
    this.pending = undefined;
    if (!this.started) {
      this.started = true;
      this.route(this.startEvent, undefined, undefined, undefined);
    }
    for (const env of held) this.route(env.event, env.link, env.target, undefined);
    const steps = this.settings.plan.steps;
    for (let i = 0; i < steps.length; i++) {
      this.budgets![i] = this.pools?.[i]?.queued ?? 0;
      this.pump(steps[i]!);
    }
    this.checkRound();
    try {
      await done;
    } finally {
      this.round = undefined;
    }
    const produced = round.produced.sort((a, b) => a.seq - b.seq).map((p) => p.env);
    if (!this.settled)
      (this.pending ??= []).push(...produced.filter((e) => !(e.event instanceof StopEvent)));
    return produced.map((e) => e.event);
  }

  private checkRound(): void {
    const round = this.round;
    if (round === undefined) return;
    if (this.settled) {
      if (this.status === "failed" || this.status === "timed_out" || this.status === "cancelled")
        round.reject(this.failure);
      else round.resolve();
      return;
    }
    if (this.inflight === 0) round.resolve();
  }

  // --- ending --------------------------------------------------------------------------------

  activeSteps(): string[] {
    const names: string[] = [];
    this.settings.plan.steps.forEach((step, i) => {
      const p = this.pools?.[i];
      if (this.active[i]! > 0 || (p !== undefined && (p.waiting > 0 || p.retrying > 0)))
        names.push(step.name);
    });
    return names;
  }

  endReason(): unknown {
    return this.failure ?? new WorkflowCancelledError(this.settings.plan.workflowName);
  }

  private complete(stop: StopEvent): void {
    const custom = eventSchema(stop.constructor as EventClass) !== undefined;
    this.finish("completed", custom ? stop : stop.result, stop);
  }

  private fail(step: string, error: unknown, attempts: number): void {
    this.finish("failed", error, new WorkflowFailedEvent({ step, error, attempts }));
  }

  private timeOut(ms: number): void {
    const active = this.activeSteps();
    this.finish(
      "timed_out",
      new WorkflowTimeoutError(this.settings.plan.workflowName, ms, active),
      new WorkflowTimedOutEvent({ timeoutMs: ms, activeSteps: active }),
    );
  }

  cancel(reason?: unknown): void {
    if (this.settled) return;
    const error = new WorkflowCancelledError(
      this.settings.plan.workflowName,
      reason === undefined ? undefined : { cause: reason },
    );
    this.finish("cancelled", error, new WorkflowCancelledEvent({ reason }));
  }

  private finish(status: RunStatus, value: unknown, terminal: StopEvent): void {
    if (this.settled) return;
    this.settled = true;
    this.status = status;
    const ok = status === "completed";
    if (!ok) this.failure = value;
    this.runDeadline?.cancel();
    if (this.timers !== undefined) {
      for (const t of this.timers) clearTimeout(t);
      this.timers = undefined;
    }
    if (this.onAbort !== undefined) this.signal!.removeEventListener("abort", this.onAbort);
    // The abort reason is an Error (a stack capture): build it only when someone can see it.
    const live = this.live;
    const abortAtEnd = this.abortAtEnd;
    const waiters = this.waiters;
    this.live = this.abortAtEnd = this.collectors = this.lastCollector = undefined;
    this.lastCollectorKey = undefined;
    const needsReason =
      (live?.size ?? 0) > 0 || (abortAtEnd?.size ?? 0) > 0 || waiters !== undefined;
    const reason = needsReason ? this.endReason() : undefined;
    if (live !== undefined) {
      for (const view of live) {
        view.abandoned = true;
        view.abort(reason);
        this.tracing.endStep(view.span);
      }
    }
    if (abortAtEnd !== undefined) for (const view of abortAtEnd) view.abort(reason);
    if (waiters !== undefined) {
      for (const set of waiters.values()) for (const w of [...set]) w.reject(reason);
      this.waiters = undefined;
    }
    if (this.pools !== undefined) for (const pool of this.pools) pool?.clear();
    this.pending = undefined;
    this.unhandledEvents?.complete();
    this.emittedEvents?.complete();
    this.tracing.endRun(status, ok ? undefined : value);
    if (this.settings.verbose && !ok) this.settings.log(`Run ${this.runId} ${status}`);
    this.terminal = terminal;
    this.streamInstance?.end(terminal);
    if (ok) this.resolveResult(value);
    else {
      // A run nobody awaits must not crash the process with an unhandled rejection: the failure
      // is on the stream too. Awaiting the handler still rejects.
      this.result.catch(ignore);
      this.rejectResult(value);
    }
    this.checkRound();
  }
}

const NO_SERVICES: StepServices = Object.freeze({});

interface WorkflowLike {
  run(input?: unknown, options?: { parent?: unknown }): unknown;
  reviveEvent(json: unknown): unknown;
}

function isWorkflowLike(value: unknown): value is WorkflowLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as WorkflowLike).run === "function" &&
    typeof (value as WorkflowLike).reviveEvent === "function"
  );
}

/**
 * The workflow `service` as a step sees it: the same object (its class, fields and methods) but
 * with `run(input, options)` defaulting `options.parent` to the step's context.
 */
function nestedView(service: WorkflowLike, parent: StepView): WorkflowLike {
  const run = (input?: unknown, options?: { parent?: unknown }) =>
    service.run(input, options?.parent === undefined ? { ...options, parent } : options);
  return new Proxy(service, {
    get(target, key) {
      if (key === "run") return run;
      const value: unknown = Reflect.get(target, key, target);
      // Methods run on the workflow itself (its private fields live there).
      return typeof value === "function" && key !== "constructor"
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

const ignore = () => {};

// Runs start in a microtask after `run()` returns (so the caller holds the handler first);
// the runs started in one synchronous stretch share one microtask. Two arrays take turns, so
// sequential runs allocate no queue. A reaction on a settled promise rather than Node's
// queueMicrotask, which wraps each callback in an async resource (and a test's fake timers may
// replace it).
let startQueue: Run[] = [];
let spareQueue: Run[] = [];
const settled = Promise.resolve();

function scheduleStart(run: Run): void {
  startQueue.push(run);
  if (startQueue.length === 1) void settled.then(startQueued);
}

function startQueued(): void {
  const queue = startQueue;
  startQueue = spareQueue;
  spareQueue = queue;
  // Runs started by these runs' first steps go to the other array, with a microtask of their own.
  for (let i = 0; i < queue.length; i++) queue[i]!.start();
  if (queue.length === 1) queue.pop();
  else queue.length = 0;
}
