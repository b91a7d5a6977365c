// The one seam every state change of a run passes through: observers (verbose log, journal).
import type { Event } from "../event.js";
import type { StepRecord } from "../internal/plan.js";
import type { StepView } from "./step-view.js";
import type { RunStatus } from "./tracing.js";

/** How an attempt ended, as the ledger is told (before any of its output is dispatched). */
export interface AttemptOutcome {
  /** The event the attempt returned, if any. */
  readonly returned: Event | undefined;
  /** What it threw (or the check that failed its return value), when `failed`. */
  readonly error: unknown;
  readonly failed: boolean;
}

/**
 * Observers of a run's state changes. Every change passes through the run's ledger, in the
 * order it happens; with no observer the run pays one check per change.
 *
 * A method that returns a promise holds the run back: the change's consequences (dispatching an
 * attempt's output, delivering an event sent from outside, settling the handler) wait until it
 * resolves. That is how a journal makes each change durable before anything depends on it.
 */
export interface RunLedger {
  /** The run is about to deliver its first event (a new run; never called on resume). */
  started?(): Promise<void> | void;
  /** An attempt of `view.step` starts on `view.event` (`view.attempt`, `view.invocationId`). */
  attemptStarted?(view: StepView): void;
  /** An attempt ended: what it returned or threw. Its sent events are on `view` (`output`). */
  attemptEnded?(view: StepView, outcome: AttemptOutcome): Promise<void> | void;
  /** A failed attempt will be retried after `delayMs`. */
  retryScheduled?(view: StepView, delayMs: number): void;
  /** An event from outside the steps (`handler.sendEvent`), before it is delivered. */
  received?(event: Event, target: StepRecord | undefined): Promise<void> | void;
  /** A waiter of `view` got `event` (`waitForEvent` resolves with it). */
  waitAnswered?(view: StepView, event: Event): void;
  /** The run ended; the handler settles after this. */
  settled?(status: RunStatus, value: unknown, terminal: Event): Promise<void> | void;
}
