// Steps suspended in `waitForEvent`: registering waiters, answering them, their timeouts.
import type { WaitForEventOptions } from "../context.js";
import { StepTimeoutError, WorkflowRuntimeError } from "../errors.js";
import { type Event, type EventClass, isEventClass } from "../event.js";
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
        waiter.timer = startTimer(timeout, () => {
          waiter.timer = undefined;
          waiter.reject(new StepTimeoutError(step.name, timeout, "waitForEvent"));
        });
        this.addTimer(waiter.timer);
      }
      if (options?.waiterEvent !== undefined) view.writeEventToStream(options.waiterEvent);
      this.checkRound();
    });
  }

  private resumeWaiter(waiter: Waiter, pool: WorkerPool): void {
    const waiters = this.waiters;
    const set = waiters?.get(waiter.cls);
    if (set === undefined || !set.delete(waiter)) return;
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

  /** Hands `event` to the waiters it matches; true if any took it. */
  deliverToWaiters(waiters: Map<EventClass, Set<Waiter>>, event: Event): boolean {
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
      this.ledger?.waitAnswered?.(w.view, event);
      w.resolve(event);
    }
    return delivered;
  }

  /** At the run's end: every waiter rejects with the run's end reason. */
  rejectWaiters(reason: unknown): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    for (const set of waiters.values()) for (const w of [...set]) w.reject(reason);
    this.waiters = undefined;
  }
}
