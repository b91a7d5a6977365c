// One step invocation: an attempt, its per-attempt timeout, its outcome, and retry scheduling.
import { StepTimeoutError, WorkflowRuntimeError } from "../errors.js";
import { Event, type EventClass, eventTypeName } from "../event.js";
import { type Route, type StepRecord, rememberOutput } from "../internal/plan.js";
import { describeValue } from "./describe-value.js";
import { Fifo } from "./fifo.js";
import { RunRouting, emitsList } from "./routing.js";
import { NO_SERVICES, servicesFor } from "./services-view.js";
import { StepView } from "./step-view.js";
import { startTimer } from "./timers.js";
import type { ProducerLink } from "./tracing.js";
import type { CollectMemo, PendingRetry } from "./worker-pool.js";

const now = () => performance.now();

export abstract class RunInvocation extends RunRouting {
  /**
   * Starts one attempt of a step on an event. Not async itself: everything an attempt needs
   * later lives on its view, and the attempt settles through two small closures.
   */
  invoke(
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
  ): void {
    const def = step.definition;
    const settings = this.settings;
    this.active[step.index]!++;
    this.inflight++;
    const traced = this.tracing.enabled;
    const slot = traced ? this.pool(step.index).takeSlot() : -1;
    const span = traced ? this.tracing.startStep(step.name, attempt, slot, event, link) : undefined;
    const view = new StepView(this, step, event, link, span, slot);
    view.invocation = invocation === 0 ? ++this.invocations : invocation;
    if (attempt !== 1) {
      view.attempt = attempt;
      view.lastError = lastError;
    }
    if (resumed !== undefined) {
      const answers = resumed.answers;
      if (answers !== undefined && answers.length > 0) view.replay = answers.slice();
      view.streamed = resumed.streamed;
      if (resumed.waited !== undefined) view.waited = resumed.waited;
      // A journaled run's re-run does not write again what its journal's stream holds (a
      // replay from 0 has no duplicates). A snapshot resumed in memory has a new stream, so
      // its re-run writes everything again: a consumer of the new handler sees the question.
      if (this.journal !== undefined) view.skipStream = resumed.streamed;
    }
    if (def.retry !== undefined) {
      view.firstStart = attempt === 1 ? now() : firstStart;
      view.memo = memo;
    }
    // History is bounded: retaining every attempt of a long loop would cost more than the
    // engine itself (GC). Past the limit only the count goes on.
    if (this.viewCount < settings.historyLimit) {
      view.previous = this.lastView;
      this.lastView = view;
      this.viewCount++;
    } else this.historyDropped++;
    if (this.round !== undefined) view.seq = this.round.seq++;
    if (span !== undefined) (this.live ??= new Set()).add(view);
    this.addRunning(view);
    this.ledger?.attemptStarted?.(view);

    let out: unknown;
    try {
      const services = def.services.length === 0 ? NO_SERVICES : servicesFor(settings, step, view);
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
    let fatal = false;
    let route: Route | undefined;
    if (!failed && result !== undefined && result !== null) {
      // The common case costs one comparison: the class this step returned last time.
      if (typeof result === "object" && Object.getPrototypeOf(result) === step.lastOutput) {
        route = step.lastRoute;
      } else {
        const problem = checkOutput(step, result);
        if (problem !== undefined) {
          failed = fatal = true;
          error = problem;
        } else {
          route = rememberOutput(this.settings.plan, step, result as Event);
        }
      }
    }
    view.ended = true;
    this.removeRunning(view);
    if (failed) view.abandoned = true;
    if (view.waited !== undefined) this.forgetWaits(view);
    this.live?.delete(view);
    if (view.signalRead && !this.settled) (this.abortAtEnd ??= new Set()).add(view);
    this.active[step.index]!--;
    if (view.slot >= 0) this.pool(step.index).releaseSlot(view.slot);
    this.inflight--;
    // The run's end already ended this span (it was live then): a span ends exactly once.
    if (this.settled) return;
    const returned = failed || result === null ? undefined : (result as Event | undefined);
    // The outcome goes with the next checkpoint: what it dispatches waits for it.
    this.journal?.changed();
    const ledger = this.ledger;
    const held =
      ledger?.attemptEnded === undefined
        ? undefined
        : ledger.attemptEnded(view, { returned, error, failed });
    if (held === undefined) this.afterAttempt(view, returned, route, failed, fatal, error);
    else {
      // The ledger makes the outcome durable first: nothing of it is dispatched before that.
      this.inflight++;
      held.then(
        () => {
          this.inflight--;
          if (!this.settled) this.afterAttempt(view, returned, route, failed, fatal, error);
        },
        (journalError: unknown) => {
          this.inflight--;
          if (!this.settled) this.fail(step.name, journalError, view.attempt);
        },
      );
    }
  }

  /** Dispatches what an attempt returned, or retries or fails it; then starts queued work. */
  private afterAttempt(
    view: StepView,
    returned: Event | undefined,
    route: Route | undefined,
    failed: boolean,
    fatal: boolean,
    error: unknown,
  ): void {
    const step = view.step!;
    const span = view.span;
    if (!failed) {
      this.tracing.endStep(span);
      view.setStatus("completed");
      if (view.deferred !== undefined) this.applyDeferred(view);
      if (returned !== undefined) {
        view.addOutput(returned);
        if (route!.inputRequired && step.emitsInputRequired) {
          this.releaseToStream(returned);
          (this.streamedInputs ??= new WeakSet()).add(returned);
        }
        const link = span === undefined ? undefined : this.tracing.linkOf(span);
        // Straight onto the bus unless someone watches emitted$ or rounds hold events back.
        if (!this.stepwise && this.emittedEvents === undefined)
          this.route(returned, link, undefined, route);
        else this.emit(view, returned, link, undefined, route);
      }
    } else {
      this.tracing.endStep(span, error);
      view.setStatus("failed");
      if (!fatal && step.definition.retry !== undefined && this.scheduleRetry(step, view, error)) {
        // retried: nothing else to do
      } else if (!this.settled) {
        this.fail(step.name, asError(step, error), view.attempt);
      }
    }
    if (this.pools !== undefined && !this.settled) this.pump(step);
    if (this.round !== undefined) this.checkRound();
  }

  /** A durable attempt ended well: its store writes land, its sends go out, its writes stream. */
  private applyDeferred(view: StepView): void {
    const deferred = view.deferred!;
    view.deferred = undefined;
    deferred.store?.commit();
    for (const ev of deferred.stream) this.releaseToStream(ev);
    const link = view.span === undefined ? undefined : this.tracing.linkOf(view.span);
    for (const s of deferred.sends) {
      const target = s.target === undefined ? undefined : this.settings.plan.byName.get(s.target);
      this.emit(view, s.event, link, target, undefined);
    }
  }

  private withStepTimeout(view: StepView, out: unknown, ms: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = startTimer(ms, () => {
        this.timers?.delete(timer);
        const error = new StepTimeoutError(view.step!.name, ms);
        view.abandoned = true;
        view.abort(error);
        reject(error);
      });
      this.addTimer(timer);
      Promise.resolve(out).then(
        (v) => {
          timer.cancel();
          this.timers?.delete(timer);
          resolve(v);
        },
        (e: unknown) => {
          timer.cancel();
          this.timers?.delete(timer);
          reject(e);
        },
      );
    });
  }

  /** Asks the step's policy for a delay; true if the attempt is retried (or the run failed). */
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
    this.ledger?.retryScheduled?.(view, delay);
    this.requeueRetry(
      step,
      {
        event: view.event!,
        link: view.link,
        attempt: attempt + 1,
        lastError: error,
        firstStart,
        memo: view.memo,
        invocation: view.invocation,
      },
      delay,
    );
    return true;
  }

  /** Puts a retry back in its step's queue after `delay` ms (it holds no worker meanwhile). */
  requeueRetry(step: StepRecord, retry: PendingRetry, delay: number): void {
    this.inflight++;
    const pool = this.pool(step.index);
    pool.retrying++;
    (pool.delayed ??= new Map()).set(retry, Date.now() + delay);
    const timer = startTimer(delay, () => {
      this.timers?.delete(timer);
      pool.delayed?.delete(retry);
      this.inflight--;
      pool.retrying--;
      if (this.settled) return;
      if (this.budgets !== undefined) this.budgets[step.index]!++;
      // A retry goes ahead of waiting first tries, so a retried event is not starved.
      (pool.retries ??= new Fifo()).push(retry);
      this.pump(step);
      this.checkRound();
    });
    this.addTimer(timer);
  }
}

/**
 * What a run fails with when a step gives up: the step's own error as it is (so `instanceof`
 * works), or, for a thrown non-Error (`throw "boom"`, `Promise.reject(null)`), an error that
 * names the step, with the value as `cause`.
 */
function asError(step: StepRecord, thrown: unknown): unknown {
  if (thrown instanceof Error) return thrown;
  return new WorkflowRuntimeError(
    `Step ${step.name} threw ${describeValue(thrown)}, not an Error: throw Error objects (the value is this error's cause)`,
    { cause: thrown },
  );
}

/** Why a step's return value is not allowed, or undefined if it is. */
function checkOutput(step: StepRecord, result: unknown): WorkflowRuntimeError | undefined {
  // The common case first, cheaply: an instance of exactly one of the step's emits.
  const own = (result as { constructor?: unknown }).constructor as EventClass;
  if (typeof result === "object" && step.emits.has(own) && result instanceof own) return undefined;
  if (!(result instanceof Event)) {
    return new WorkflowRuntimeError(
      `Step ${step.name} returned ${describeValue(result)}; a step returns an event, or nothing (undefined/null)`,
    );
  }
  const cls = result.constructor as EventClass;
  if (!step.emits.has(cls)) {
    return new WorkflowRuntimeError(
      `Step ${step.name} returned ${eventTypeName(cls)}, which is not in its emits (${emitsList(step)}): add ${eventTypeName(cls)} to emits`,
    );
  }
  return undefined;
}
