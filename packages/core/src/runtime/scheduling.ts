// Worker pools: an event handed to a step runs at once if a worker is free, else it queues.
import type { Event } from "../event.js";
import type { StepRecord } from "../internal/plan.js";
import type { ProducerLink } from "./tracing.js";
import { RunWaiting } from "./waiting.js";

export abstract class RunScheduling extends RunWaiting {
  /** Hands an event to a step: invoked at once if a worker is free, else queued. */
  push(step: StepRecord, event: Event, link: ProducerLink | undefined): void {
    const i = step.index;
    const budgets = this.budgets;
    const pool = this.pools?.[i];
    if (
      !this.holdWork &&
      this.active[i]! < step.limit &&
      (budgets === undefined || budgets[i]! > 0) &&
      (pool === undefined || pool.queued === 0)
    ) {
      if (budgets !== undefined) budgets[i]!--;
      this.invoke(step, event, link, 1, undefined, 0, undefined, 0);
    } else {
      this.pool(i).enqueue(event, link);
    }
  }

  /** Starts queued invocations of a step while it has free workers (and round budget). */
  pump(step: StepRecord): void {
    const i = step.index;
    const pool = this.pools?.[i];
    if (pool === undefined || this.holdWork) return;
    const budgets = this.budgets;
    while (this.active[i]! < step.limit && pool.queued > 0) {
      if (budgets !== undefined) {
        if (budgets[i]! <= 0) return;
        budgets[i]!--;
      }
      const retries = pool.retries;
      if (retries !== undefined && retries.length > 0) {
        const p = retries.shift()!;
        this.invoke(
          step,
          p.event,
          p.link,
          p.attempt,
          p.lastError,
          p.firstStart,
          p.memo,
          p.invocation,
        );
      } else {
        const event = pool.queue!.shift()!;
        this.invoke(step, event, pool.queueLinks?.shift(), 1, undefined, 0, undefined, 0);
      }
    }
  }

  /** The steps with invocations running, queued, waiting for an event or for a retry. */
  activeSteps(): string[] {
    const names: string[] = [];
    this.settings.plan.steps.forEach((step, i) => {
      const p = this.pools?.[i];
      if (this.active[i]! > 0 || (p !== undefined && (p.waiting > 0 || p.retrying > 0)))
        names.push(step.name);
    });
    return names;
  }
}
