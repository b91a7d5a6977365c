import { StopEvent } from "./event.js";

/** The stream's terminal event when a step failed for good. */
export class WorkflowFailedEvent extends StopEvent<undefined> {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "WorkflowFailedEvent";
  /** The failing step. */
  declare readonly step: string;
  /** What it threw (the same value `await handler` rejects with). */
  declare readonly error: unknown;
  /** How many executions of the step were made. */
  declare readonly attempts: number;
  constructor(data: { step: string; error: unknown; attempts: number }) {
    super(data as never);
  }
  override toJSON() {
    const e = this.error;
    const error =
      e instanceof Error ? { name: e.name, message: e.message } : { message: String(e) };
    return {
      type: "WorkflowFailedEvent",
      data: { step: this.step, error, attempts: this.attempts },
    };
  }
}

/** The stream's terminal event when the run's timeout elapsed. */
export class WorkflowTimedOutEvent extends StopEvent<undefined> {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "WorkflowTimedOutEvent";
  declare readonly timeoutMs: number;
  declare readonly activeSteps: readonly string[];
  constructor(data: { timeoutMs: number; activeSteps: readonly string[] }) {
    super(data as never);
  }
}

/** The stream's terminal event when the run was cancelled. */
export class WorkflowCancelledEvent extends StopEvent<undefined> {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "WorkflowCancelledEvent";
  declare readonly reason: unknown;
  constructor(data: { reason?: unknown } = {}) {
    super(data as never);
  }
  override toJSON() {
    return { type: "WorkflowCancelledEvent", data: { reason: String(this.reason ?? "cancelled") } };
  }
}
