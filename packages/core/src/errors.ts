import type { z } from "zod";

/** What kind of failure a {@link WorkflowError} is; stable, for programmatic handling. */
export type WorkflowErrorCode =
  | "VALIDATION"
  | "EVENT_VALIDATION"
  | "RUNTIME"
  | "WORKFLOW_TIMEOUT"
  | "STEP_TIMEOUT"
  | "CANCELLED"
  | "JOURNAL"
  | "JOURNAL_CONFLICT"
  | "RUN_NOT_FOUND"
  | "RUN_OWNED";

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

/**
 * A journal store failed or refused: it cannot be opened or read (a corrupt or foreign file, a
 * refused connection), it was written by a newer schema version, or it is closed. The message
 * names the store and what to do; `cause` is the driver's error.
 */
export class JournalError extends WorkflowError {
  override readonly name: string = "JournalError";
  readonly code: "JOURNAL" | "JOURNAL_CONFLICT" = "JOURNAL";
}

/**
 * An append would have written an entry whose `(runId, seq)` is already stored, or left a gap:
 * another writer drives the run. Nothing of that append was written.
 */
export class JournalConflictError extends JournalError {
  override readonly name: string = "JournalConflictError";
  override readonly code = "JOURNAL_CONFLICT";
  readonly runId: string;
  readonly seq: number;
  constructor(runId: string, seq: number, detail: string) {
    super(
      `Journal conflict for run ${runId} at entry ${seq}: ${detail}. Another process may be driving this run: resume a run only where its claim is held.`,
    );
    this.runId = runId;
    this.seq = seq;
  }
}

/** `workflow.resume(runId)` or `workflow.sendEvent(runId, …)` named a run the journal does not hold. */
export class RunNotFoundError extends WorkflowError {
  override readonly name = "RunNotFoundError";
  readonly code = "RUN_NOT_FOUND";
  readonly runId: string;
  constructor(runId: string, where: string) {
    super(
      `There is no run ${runId} in ${where}: check the id (journal.listRuns() lists the runs it holds)`,
    );
    this.runId = runId;
  }
}

/** The run is claimed by another live owner: only one process drives a run at a time. */
export class RunOwnedError extends WorkflowError {
  override readonly name = "RunOwnedError";
  readonly code = "RUN_OWNED";
  readonly runId: string;
  constructor(runId: string, detail = "") {
    super(
      `Run ${runId} is driven by another live process${detail}; send it events with workflow.sendEvent(runId, event) (they are journaled and delivered by its owner), or resume it once the owner has stopped and its claim has expired`,
    );
    this.runId = runId;
  }
}
