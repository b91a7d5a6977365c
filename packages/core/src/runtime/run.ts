// One run of a workflow: its lifecycle (start, stop, fail, time out, cancel) and its views.
import { ROOT_CONTEXT } from "@opentelemetry/api";
import type { Observable } from "rxjs";
import { WorkflowCancelledError, WorkflowTimeoutError } from "../errors.js";
import { type Event, type EventClass, StopEvent, eventSchema } from "../event.js";
import {
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
} from "../workflow-events.js";
import { addDeadline } from "./deadlines.js";
import type { Journal } from "../journal.js";
import { FanIn } from "./fan-in.js";
import { applySnapshot } from "./apply-snapshot.js";
import type { RevivedSnapshot } from "./restore.js";
import type { RunSnapshot } from "./snapshot.js";
import { takeSnapshot } from "./take-snapshot.js";
import type { RunStart, UnhandledEvent } from "./run-state.js";
import { scheduleStart } from "./start-queue.js";
import { StepView } from "./step-view.js";
import { continueRestored, restoredOutcome } from "./continue-restored.js";
import { emittedOf, unhandledOf } from "./run-buses.js";
import { replayStream } from "./replay-stream.js";
import { RunStepwise } from "./stepwise.js";
import { type RunStatus, RunTracing } from "./tracing.js";
import { verboseLog } from "./verbose-log.js";
import { DurableRun } from "./durable-run.js";
import { writerFor } from "./journal-writer.js";

/**
 * One run of a workflow. Its bus (`route`) hands each event by class in O(1) to the worker pools
 * of the accepting steps; `emitted$`, made for its first subscriber, is the bus as an RxJS Subject.
 * The layers it is made of, from the bottom: state, waiting, scheduling, routing, invocation,
 * stepwise, and this lifecycle.
 */
export class Run extends RunStepwise {
  readonly tracing: RunTracing;
  private caller: StepView | undefined = undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    start: RunStart,
    /** The run's handler: the promise of its result. */
    readonly result: Promise<unknown>,
    private readonly resolveResult: (value: unknown) => void,
    private readonly rejectResult: (error: unknown) => void,
  ) {
    super(start);
    const { settings, tracer, traceParent, timeoutMs, signal, stepwise } = start;
    // The id first: the run span is named by it.
    const knownId = start.runId ?? start.restore?.runId;
    if (knownId !== undefined) this.id = knownId;
    this.tracing =
      tracer === undefined && traceParent === ROOT_CONTEXT
        ? RunTracing.off
        : new RunTracing(tracer, settings.plan.workflowName, this, traceParent, settings);
    if (settings.verbose) this.ledger = verboseLog(settings, () => this.runId);
    this.journalOf = start.journal;
    if (start.journal !== undefined && start.load === undefined) {
      this.journal = new DurableRun(
        this,
        writerFor(start.journal),
        settings.plan.workflowName,
        start.journalSeq ?? 0,
        start.runId === undefined && start.restore === undefined,
      );
    }
    if (timeoutMs !== null) this.runDeadline = addDeadline(timeoutMs, this);
    if (signal !== undefined) {
      this.onAbort = () => this.cancel(signal.reason);
      if (signal.aborted) queueMicrotask(this.onAbort);
      else signal.addEventListener("abort", this.onAbort, { once: true });
    }
    if (start.load !== undefined) {
      // Resumed from a journal: nothing runs until its state has been read and claimed.
      this.loaded = start.load.then(
        ({ revived, seq }) => this.continueLoaded(start, revived, seq),
        (error: unknown) =>
          this.finish("failed", error, new WorkflowFailedEvent({ step: "", error, attempts: 0 })),
      );
      return;
    }
    const restore = start.restore;
    if (restore !== undefined) {
      this.restored = restore;
      applySnapshot(this, restore);
      if (restore.status !== "running") {
        this.settleRestored(restore);
        return;
      }
      if (restore.started && !stepwise) {
        scheduleStart(this);
        return;
      }
    }
    if (!stepwise) scheduleStart(this);
  }

  /** Resolves once a run resumed from its journal has read it (at once for other runs). */
  loaded: Promise<void> = Promise.resolve();

  private continueLoaded(start: RunStart, revived: RevivedSnapshot, seq: number): void {
    const journal = start.journal!;
    if (this.settled) {
      // Cancelled while its journal was read: the run stays as the journal has it.
      void journal.release(this.runId, writerFor(journal).owner).catch(ignore);
      return;
    }
    this.startEvent = revived.input;
    if (revived.status !== "running") {
      // Ended already: the journal holds its end, so reading it back writes nothing.
      void journal.release(this.runId, writerFor(journal).owner).catch(ignore);
      applySnapshot(this, revived);
      this.settleRestored(revived);
      return;
    }
    this.journal = new DurableRun(this, writerFor(journal), this.settings.plan.workflowName, seq);
    applySnapshot(this, revived);
    this.restored = revived;
    this.start();
  }

  /** The snapshot this run continues from, until its in-flight work has been started again. */
  private restored: RevivedSnapshot | undefined = undefined;

  /** A stepwise run's first round after a resume: what was in flight runs again in it. */
  protected resumeRestored(): void {
    const restored = this.restored;
    if (restored === undefined || !restored.started) return;
    this.restored = undefined;
    if (!this.settled) continueRestored(this, restored);
  }

  /** A snapshot of a settled run: the handler settles the same way at once. */
  private settleRestored(r: RevivedSnapshot): void {
    const { status, value, terminal } = restoredOutcome(r, this.timeoutMs);
    this.finish(status, value, terminal);
  }

  /**
   * The stream from event `from` (0 = the first): a journaled run's earlier events come from its
   * journal, then the run's events as they are released (see `replayStream`).
   */
  async *streamFrom(from: number): AsyncGenerator<Event> {
    // A run read back from its journal knows how much it had streamed only once it is loaded.
    await this.loaded;
    yield* replayStream(this, this.journalOf, from);
  }

  /** The journal this run is journaled in (kept after the run has settled, for replays). */
  journalOf: Journal | undefined = undefined;
  /** `handler.snapshot()`: the run's state now, as JSON. */
  snapshot(): RunSnapshot {
    return takeSnapshot(this, this.outcome);
  }

  /** Called by the shared deadline timer when the run's timeout has passed. */
  onDeadline(): void {
    this.timeOut(this.timeoutMs!);
  }

  /** The caller's view of the context (`handler.ctx`). */
  get callerView(): StepView {
    return (this.caller ??= new StepView(this, undefined, undefined, undefined, undefined, -1));
  }

  /** Events no step accepted (hot, no replay), then complete at the run's end. */
  get unhandled$(): Observable<UnhandledEvent> {
    return unhandledOf(this);
  }

  /** Every event a step returns or sends (hot, no replay); see `emittedOf`. */
  get emitted$(): Observable<Event> {
    return emittedOf(this);
  }

  start(): void {
    const restored = this.restored;
    if (restored !== undefined) {
      this.restored = undefined;
      if (restored.started) {
        if (!this.settled) continueRestored(this, restored);
        return;
      }
    }
    if (this.started || this.settled) return;
    this.started = true;
    // A journaled run's header (its first checkpoint) is durable before its first step runs.
    this.journal?.changed();
    this.route(this.startEvent, undefined, undefined, undefined);
    const pending = this.pending;
    if (pending === undefined) return;
    this.pending = undefined;
    for (const env of pending) {
      if (this.settled) return;
      this.route(env.event, env.link, env.target, undefined);
    }
  }

  sendFromOutside(event: Event, step: string | undefined): void {
    this.callerView.sendEvent(event, step === undefined ? undefined : { step });
  }

  /** `ctx.writeEventToStream` (checked by the view). */
  written(view: StepView, event: Event): void {
    if (this.journal !== undefined && view.step !== undefined && !view.ended) {
      view.defer().stream.push(event);
      return;
    }
    if (view.step !== undefined) view.streamed++;
    this.releaseToStream(event);
  }

  collect(
    view: StepView,
    event: Event,
    expected: EventClass | readonly EventClass[],
    options: { bufferId?: string; count?: number } | undefined,
  ): Event[] | null {
    return (this.fanIn ??= new FanIn()).collect(view, event, expected, options, this.tracing);
  }

  complete(stop: StopEvent): void {
    const custom = eventSchema(stop.constructor as EventClass) !== undefined;
    this.finish("completed", custom ? stop : stop.result, stop);
  }

  fail(step: string, error: unknown, attempts: number): void {
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
    else this.outcome = value;
    this.runDeadline?.cancel();
    if (this.timers !== undefined) {
      for (const t of this.timers) t.cancel();
      this.timers = undefined;
    }
    if (this.onAbort !== undefined) this.signal!.removeEventListener("abort", this.onAbort);
    // The abort reason is an Error (a stack capture): build it only when someone can see it.
    const live = this.live;
    const abortAtEnd = this.abortAtEnd;
    this.live = this.abortAtEnd = undefined;
    this.fanIn = undefined;
    this.waitBuffer = this.waitedFor = undefined;
    const needsReason =
      (live?.size ?? 0) > 0 || (abortAtEnd?.size ?? 0) > 0 || this.waiters !== undefined;
    const reason = needsReason ? this.endReason() : undefined;
    if (live !== undefined) {
      for (const view of live) {
        view.abandoned = true;
        view.abort(reason);
        this.tracing.abortStep(view.span, status);
      }
    }
    if (abortAtEnd !== undefined) for (const view of abortAtEnd) view.abort(reason);
    this.rejectWaiters(reason);
    if (this.pools !== undefined) for (const pool of this.pools) pool?.clear();
    this.pending = undefined;
    this.unhandledEvents?.complete();
    this.emittedEvents?.complete();
    this.tracing.endRun(status, ok ? undefined : value);
    this.ledger?.settled?.(status, value, terminal);
    if (this.journal !== undefined) {
      // The end is durable before the handler settles.
      this.settleLater = terminal;
      this.journal.changed();
      this.checkRound();
      return;
    }
    this.settleNow(terminal);
    this.checkRound();
  }

  /** A journaled run's terminal event, until its end is durable. */
  private settleLater: StopEvent | undefined = undefined;

  private settleNow(terminal: StopEvent): void {
    this.terminal = terminal;
    this.streamInstance?.end(terminal);
    if (this.status === "completed") this.resolveResult(this.outcome);
    else {
      // A run nobody awaits must not crash the process with an unhandled rejection: the failure
      // is on the stream too. Awaiting the handler still rejects.
      this.result.catch(ignore);
      this.rejectResult(this.failure);
    }
  }

  /** A checkpoint is durable: what it holds goes out, held work starts, an end settles. */
  afterCommit(streamed: number, inbound: number, last: boolean): void {
    const released = streamed > 0 ? this.unreleased!.splice(0, streamed) : undefined;
    if (released !== undefined) {
      this.streamDelivered += released.length;
      for (const ev of released) this.stream.write(ev);
    }
    const arrived = inbound > 0 ? this.inbound!.splice(0, inbound) : undefined;
    if (arrived !== undefined && !this.settled) {
      for (const env of arrived) this.route(env.event, env.link, env.target, undefined);
    }
    if (last && this.settleLater !== undefined) {
      const terminal = this.settleLater;
      this.settleLater = undefined;
      this.settleNow(terminal);
      return;
    }
    if (!this.holdWork && !this.settled) {
      for (const step of this.settings.plan.steps) this.pump(step);
      this.checkRound();
    }
  }

  /** The journal could not make the run durable: it fails (or its end fails) with that error. */
  journalFailed(error: unknown): void {
    this.journal = undefined;
    this.holdWork = false;
    const unreleased = this.unreleased;
    this.unreleased = undefined;
    for (const ev of unreleased ?? []) this.stream.write(ev);
    if (this.settled) {
      this.status = "failed";
      this.failure = error;
      this.settleNow(this.settleLater ?? new WorkflowFailedEvent({ step: "", error, attempts: 0 }));
      this.settleLater = undefined;
      return;
    }
    this.finish("failed", error, new WorkflowFailedEvent({ step: "", error, attempts: 0 }));
  }
}

const ignore = () => {};
