// A run resumed from a snapshot starts again what it had in flight or waiting out a retry.
import { type Event, StopEvent } from "../event.js";
import {
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
} from "../workflow-events.js";
import type { RevivedSnapshot } from "./restore.js";
import type { RunStatus } from "./tracing.js";
import type { RunStepwise } from "./stepwise.js";
import type { PendingRetry } from "./worker-pool.js";
import { memoOf } from "./apply-snapshot.js";

/**
 * Starts again what a snapshot had in flight (same invocation numbers, attempts going on, earlier
 * answers handed back) or waiting out a retry delay, delivers the events held meanwhile, then
 * pumps every step's queue.
 */
export function continueRestored(run: RunStepwise, r: RevivedSnapshot): void {
  const now = performance.now();
  const held = run.pending;
  run.pending = undefined;
  const waits = run.expectedWaits ?? [];
  run.expectedWaits = undefined;
  if (held !== undefined) {
    // Held events: delivered once durable (journaled run), else at once.
    if (run.journal !== undefined) {
      (run.inbound ??= []).push(...held);
      run.journal.changed();
    } else for (const env of held) run.route(env.event, env.link, env.target, undefined);
  }
  for (const [k, i] of r.inFlight.entries()) {
    run.invoke(
      i.step,
      i.event,
      undefined,
      i.attempt,
      i.lastError,
      now,
      memoOf(i.collected),
      i.invocation,
      { answers: i.answers, streamed: i.streamed, waited: waits[k] },
    );
  }
  for (const i of r.retrying) {
    const retry: PendingRetry = {
      event: i.event,
      link: undefined,
      attempt: i.attempt,
      lastError: i.lastError,
      firstStart: now,
      memo: memoOf(i.collected),
      invocation: i.invocation,
    };
    run.requeueRetry(i.step, retry, i.delayMs);
  }
  for (const step of run.settings.plan.steps) run.pump(step);
}

/** How a snapshot of a settled run settles its resumed handler: status, value, terminal event. */
export function restoredOutcome(
  r: RevivedSnapshot,
  timeoutMs: number | null,
): { status: RunStatus; value: unknown; terminal: StopEvent } {
  if (r.status === "completed") {
    const stop = r.result instanceof StopEvent ? r.result : new StopEvent({ result: r.result });
    return { status: "completed", value: r.result, terminal: stop };
  }
  const error = r.error;
  const terminal: Event =
    r.status === "cancelled"
      ? new WorkflowCancelledEvent({ reason: undefined })
      : r.status === "timed_out"
        ? new WorkflowTimedOutEvent({ timeoutMs: timeoutMs ?? 0, activeSteps: [] })
        : new WorkflowFailedEvent({ step: "", error, attempts: 0 });
  return { status: r.status as RunStatus, value: error, terminal: terminal as StopEvent };
}
