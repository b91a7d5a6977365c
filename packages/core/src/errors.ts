import type { z } from "zod";

/** What kind of failure a {@link WorkflowError} is; stable, for programmatic handling. */
export type WorkflowErrorCode =
  "VALIDATION" | "EVENT_VALIDATION" | "RUNTIME" | "WORKFLOW_TIMEOUT" | "STEP_TIMEOUT" | "CANCELLED";

/**
 * The root of every error Eventloom throws. Catch with `instanceof`; read `code` for the kind.
 *
 * @example
 * try { await wf.run(input); } catch (e) { if (e instanceof WorkflowError) console.log(e.code); }
 */
export abstract class WorkflowError extends Error {
  abstract readonly code: WorkflowErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A workflow, a step declaration or a run's options are malformed. Thrown before anything runs. */
export class WorkflowValidationError extends WorkflowError {
  override readonly name = "WorkflowValidationError";
  readonly code = "VALIDATION";
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(
      list.length === 1 ? list[0]! : `${list.length} problems:\n- ${list.join("\n- ")}`,
      options,
    );
    this.problems = list;
  }
}

/** Event data failed its zod schema. `cause` is the `ZodError`. */
export class EventValidationError extends WorkflowError {
  override readonly name = "EventValidationError";
  readonly code = "EVENT_VALIDATION";
  /** The type name of the event that was being built. */
  readonly eventType: string;
  /** The failing paths, as dotted strings (`"payload"`, `"items.0.price"`). */
  readonly paths: readonly string[];
  declare readonly cause: z.ZodError;
  constructor(eventType: string, zodError: z.ZodError) {
    const issues = zodError.issues.map(
      (i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`,
    );
    super(`Invalid data for event ${eventType}: ${issues.join("; ")}`, { cause: zodError });
    this.eventType = eventType;
    this.paths = zodError.issues.map((i) => i.path.join("."));
  }
}

/** Misuse of the API while a run is going on (a bad return value, an undeclared event, ...). */
export class WorkflowRuntimeError extends WorkflowError {
  override readonly name = "WorkflowRuntimeError";
  readonly code = "RUNTIME";
}

/** The run's `timeout` elapsed. */
export class WorkflowTimeoutError extends WorkflowError {
  override readonly name = "WorkflowTimeoutError";
  readonly code = "WORKFLOW_TIMEOUT";
  readonly timeoutMs: number;
  /** The steps that were still running or waiting when the time ran out. */
  readonly activeSteps: readonly string[];
  constructor(workflow: string, timeoutMs: number, activeSteps: readonly string[]) {
    super(
      `Workflow ${workflow} timed out after ${timeoutMs} ms; steps still active: ${
        activeSteps.length ? activeSteps.join(", ") : "none (waiting for an event)"
      }. Raise the workflow's timeout option, or pass timeout: null to disable it.`,
    );
    this.timeoutMs = timeoutMs;
    this.activeSteps = activeSteps;
  }
}

/** One attempt of a step exceeded the step's `timeout`, or a `waitForEvent` timed out. */
export class StepTimeoutError extends WorkflowError {
  override readonly name = "StepTimeoutError";
  readonly code = "STEP_TIMEOUT";
  readonly step: string;
  readonly timeoutMs: number;
  constructor(step: string, timeoutMs: number, what = "attempt") {
    super(`Step ${step}: ${what} timed out after ${timeoutMs} ms`);
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}

/** The run was cancelled with `handler.cancel()` or its `AbortSignal`. */
export class WorkflowCancelledError extends WorkflowError {
  override readonly name = "WorkflowCancelledError";
  readonly code = "CANCELLED";
  constructor(workflow: string, options?: { cause?: unknown }) {
    super(`Workflow ${workflow} was cancelled`, options);
  }
}
