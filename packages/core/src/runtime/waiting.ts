// Steps suspended in `waitForEvent`: registering waiters, answering them, their timeouts.
import type { WaitForEventOptions } from "../context.js";
import { StepTimeoutError, WorkflowRuntimeError } from "../errors.js";
import { type Event, type EventClass, eventTypeName, isEventClass } from "../event.js";
import { describeValue } from "./describe-value.js";
import { RunState, type Waiter } from "./run-state.js";
import type { StepView } from "./step-view.js";
import { startTimer } from "./timers.js";
import type { WorkerPool } from "./worker-pool.js";

export abstract class RunWaiting extends RunState {
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
        `waitForEvent in step ${step.name}: expected an event class; got ${describeValue(cls)}`,
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
    this.noteWait(view, cls);
    const requirements = options?.requirements as Record<string, unknown> | undefined;
    const replayed = view.replay === undefined ? undefined : replayAnswer(view, cls, requirements);
    if (replayed !== undefined) {
      // Asked as the first run asked (its journal holds the question: the write is skipped), so
      // the re-run's stream writes line up with what the journal holds.
      if (options?.waiterEvent !== undefined) this.askNow(view, options.waiterEvent);
      (view.answers ??= []).push(replayed);
      return Promise.resolve(replayed);
    }
    const buffered =
      this.waitBuffer === undefined ? undefined : this.takeBuffered(cls, requirements);
    if (buffered !== undefined) {
      // An answer that came before the wait: taken at once (the question is still asked).
      if (options?.waiterEvent !== undefined) this.askNow(view, options.waiterEvent);
      (view.answers ??= []).push(buffered);
      this.ledger?.waitAnswered?.(view, buffered);
      return Promise.resolve(buffered);
    }
    const pool = this.pool(step.index);
    return new Promise<Event>((resolve, reject) => {
      const waiter: Waiter = {
        cls,
        requirements,
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
      view.setWaiting(eventTypeName(cls));
      pool.waiting++;
      this.inflight--;
      if (timeout !== undefined) {
        waiter.timer = startTimer(timeout, () => {
          waiter.timer = undefined;
          waiter.reject(new StepTimeoutError(step.name, timeout, "waitForEvent"));
        });
        this.addTimer(waiter.timer);
      }
      if (options?.waiterEvent !== undefined) this.askNow(view, options.waiterEvent);
      this.checkRound();
    });
  }

  private resumeWaiter(waiter: Waiter, pool: WorkerPool): void {
    const waiters = this.waiters;
    const set = waiters?.get(waiter.cls);
    if (set === undefined || !set.delete(waiter)) return;
    waiter.view.setWaiting(undefined);
    if (set.size === 0) {
      waiters!.delete(waiter.cls);
      if (waiters!.size === 0) this.waiters = undefined;
    }
    if (waiter.timer !== undefined) {
      waiter.timer.cancel();
      this.timers?.delete(waiter.timer);
    }
    pool.waiting--;
    this.inflight++;
  }

  /** Hands `event` to the oldest waiter it matches, which consumes it; true if one took it. */
  deliverToWaiters(waiters: Map<EventClass, Set<Waiter>>, event: Event): boolean {
    const set = waiters.get(event.constructor as EventClass);
    if (set === undefined) return false;
    for (const w of set) {
      if (w.requirements !== undefined && !meets(event, w.requirements)) continue;
      (w.view.answers ??= []).push(event);
      this.journal?.changed();
      this.ledger?.waitAnswered?.(w.view, event);
      w.resolve(event);
      return true;
    }
    return false;
  }

  /**
   * Keeps an event nobody takes now for a wait still to come, if a live invocation has waited
   * for its class (a loop of waits between which a burst arrives); false if it is not kept.
   */
  bufferForWaits(event: Event): boolean {
    const cls = event.constructor as EventClass;
    if (this.waitedFor?.has(cls) !== true) return false;
    if (this.waitBuffered >= this.settings.waitBufferLimit) return false;
    const buffer = (this.waitBuffer ??= new Map());
    let list = buffer.get(cls);
    if (list === undefined) buffer.set(cls, (list = []));
    list.push(event);
    this.waitBuffered++;
    return true;
  }

  /** The oldest buffered event of `cls` that meets `requirements`, removed; or undefined. */
  private takeBuffered(
    cls: EventClass,
    requirements: Readonly<Record<string, unknown>> | undefined,
  ): Event | undefined {
    const list = this.waitBuffer!.get(cls);
    if (list === undefined) return undefined;
    const i = requirements === undefined ? 0 : list.findIndex((e) => meets(e, requirements));
    if (i < 0) return undefined;
    const [event] = list.splice(i, 1);
    this.waitBuffered--;
    if (list.length === 0) {
      this.waitBuffer!.delete(cls);
      if (this.waitBuffer!.size === 0) this.waitBuffer = undefined;
    }
    return event;
  }

  /** Counts `view` among the live invocations that waited for `cls` (once per class). */
  /** Per restored in-flight invocation: the classes `expectWaits` counted for its re-run. */
  expectedWaits: (EventClass[] | undefined)[] | undefined = undefined;

  /**
   * The classes (by type name) a restored invocation was suspended waiting for, counted as
   * waited for now: its re-run owns them (see `invoke`), and events of them are buffered.
   */
  expectWaits(types: readonly string[]): EventClass[] | undefined {
    if (types.length === 0) return undefined;
    const byType = this.settings.plan.eventsByType;
    const classes: EventClass[] = [];
    for (const t of types) {
      const cls = byType.get(t);
      if (cls === undefined || classes.includes(cls)) continue;
      classes.push(cls);
      const counts = (this.waitedFor ??= new Map());
      counts.set(cls, (counts.get(cls) ?? 0) + 1);
    }
    return classes.length === 0 ? undefined : classes;
  }

  private noteWait(view: StepView, cls: EventClass): void {
    const waited = (view.waited ??= []);
    if (waited.includes(cls)) return;
    waited.push(cls);
    const counts = (this.waitedFor ??= new Map());
    if (!counts.has(cls)) this.rememberWaitedClass(cls);
    counts.set(cls, (counts.get(cls) ?? 0) + 1);
  }

  /**
   * A class a step waits for is one of the workflow's events from then on (`reviveEvent`, the
   * server, snapshots know it). Declare it in `static externalEvents` to have it known before
   * any step has waited, as a fresh process resuming a snapshot needs.
   */
  private rememberWaitedClass(cls: EventClass): void {
    const byType = this.settings.plan.eventsByType as Map<string, EventClass>;
    const name = eventTypeName(cls);
    if (!byType.has(name)) byType.set(name, cls);
  }

  /** An attempt that waited has ended: its classes no longer keep events in the buffer. */
  forgetWaits(view: StepView): void {
    const counts = this.waitedFor;
    if (counts === undefined) return;
    for (const cls of view.waited!) {
      const n = (counts.get(cls) ?? 1) - 1;
      if (n > 0) counts.set(cls, n);
      else counts.delete(cls);
    }
    if (counts.size === 0) this.waitedFor = undefined;
  }

  /**
   * A wait's `waiterEvent` goes to the stream before the wait; a durable attempt shows what it
   * wrote so far with it (its question must reach the person who answers).
   */
  private askNow(view: StepView, question: Event): void {
    view.writeEventToStream(question);
    const deferred = view.deferred;
    if (deferred !== undefined && deferred.stream.length > 0) {
      view.streamed += deferred.stream.length;
      for (const ev of deferred.stream) this.releaseToStream(ev);
      deferred.stream.length = 0;
    }
  }

  /** At the run's end: every waiter rejects with the run's end reason. */
  rejectWaiters(reason: unknown): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    for (const set of waiters.values()) for (const w of [...set]) w.reject(reason);
    this.waiters = undefined;
  }
}

/** Whether an event's fields equal every required value (`===`). */
function meets(event: Event, requirements: Readonly<Record<string, unknown>>): boolean {
  const fields = event as unknown as Record<string, unknown>;
  for (const k in requirements) if (fields[k] !== requirements[k]) return false;
  return true;
}

/**
 * The next answer an invocation's earlier run got, if this wait is the same one (same class and
 * requirements met); otherwise replaying stops (the code took another path this time).
 */
function replayAnswer(
  view: StepView,
  cls: EventClass,
  requirements: Readonly<Record<string, unknown>> | undefined,
): Event | undefined {
  const next = view.replay![0];
  if (
    next === undefined ||
    next.constructor !== cls ||
    (requirements !== undefined && !meets(next, requirements))
  ) {
    view.replay = undefined;
    return undefined;
  }
  view.replay!.shift();
  return next;
}
