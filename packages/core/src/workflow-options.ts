// The options of a workflow, of one run and of a resume: their types, defaults and checks.
import type { Tracer } from "@opentelemetry/api";
import type { Context } from "./context.js";
import { WorkflowValidationError } from "./errors.js";
import type { Journal } from "./journal.js";
import { shown, unknownKeyProblems } from "./option-keys.js";

/** Options of a {@link Workflow} instance. */
export interface WorkflowOptions {
  /** Milliseconds for a whole run; default 45 000; `null` disables it. */
  readonly timeout?: number | null;
  /** Log `Running step X` / `Step X produced event Y` to `logger`. */
  readonly verbose?: boolean;
  /** Skip the graph checks at the first `run()`. */
  readonly disableValidation?: boolean;
  /** Where verbose lines go; default `console.log`. */
  readonly logger?: (message: string) => void;
  /** The OpenTelemetry tracer; default `trace.getTracer("@eventloom/core", version)`. */
  readonly tracer?: Tracer;
  /**
   * How many step invocations `handler.history` records per run (default 1000; `Infinity` for
   * all). Invocations past the limit are only counted (`handler.historyDropped`).
   */
  readonly historyLimit?: number;
  /** Record exceptions on failed spans (`span.recordException`); default true. */
  readonly recordExceptions?: boolean;
  /**
   * Record each step's input event on its span as `eventloom.event.payload`: the event's fields
   * as JSON, cut to `maxLength` characters (default 256) with a trailing "…". Off by default:
   * payloads may hold personal data or secrets, and your tracing backend keeps what it receives.
   *
   * @example
   * new TradeWorkflow({ recordEventPayloads: { maxLength: 1024 } });
   */
  readonly recordEventPayloads?: boolean | { readonly maxLength: number };
  /**
   * Journal every run there (`sqliteJournal()` from @eventloom/sqlite, `postgresJournal()` from
   * @eventloom/postgres, core's `memoryJournal()`): each step boundary is durable before what
   * depends on it happens, and `recover()` resumes unfinished runs after a crash.
   */
  readonly journal?: Journal;
  /**
   * A `ServiceManager` (@eventloom/services), as the seed's `Workflow(service_manager=...)`: its
   * services map is this instance's `services`, shared, so services added later are seen too.
   */
  readonly serviceManager?: { readonly services: Map<string, unknown> };
  /**
   * The most stream events a run keeps for consumers not yet attached (default 100 000): past
   * it the oldest are dropped, counted on `handler.streamDropped` and reported once (verbose
   * log and `diag.warn`). A durable run keeps its whole stream in its journal.
   */
  readonly streamLimit?: number;
  /**
   * The most events a run keeps for `waitForEvent` calls still to come (default 10 000); past
   * it they go to `unhandled$`.
   */
  readonly waitBufferLimit?: number;
}

/** The default `maxLength` of `recordEventPayloads: true`. */
const DEFAULT_PAYLOAD_LENGTH = 256;
/** A run's timeout when neither the workflow nor the run names one. */
const DEFAULT_TIMEOUT_MS = 45_000;

/** Options of `workflow.resume()`. */
export interface ResumeOptions {
  /** Aborting it cancels the resumed run. */
  readonly signal?: AbortSignal;
  /** The resumed run's timeout (ms, or `null`); default the workflow's, counted afresh. */
  readonly timeout?: number | null;
  /** Drive the resumed run round by round; default: as the snapshotted run was. */
  readonly stepwise?: boolean;
}

/** Options of one `run()`. */
export interface RunOptions {
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal;
  /** Drive the run round by round with `handler.runStep()`. */
  readonly stepwise?: boolean;
  /** Overrides the workflow's timeout for this run (ms, or `null` for none). */
  readonly timeout?: number | null;
  /** The run's id (default a new UUID): a journaled run's id must be new to its journal. */
  readonly runId?: string;
  /**
   * The context of the step that starts this run as a nested run: the child inherits its
   * cancellation (`ctx.signal`) and never outlives its deadline.
   */
  readonly parent?: Context;
  /**
   * The `ctx` of a settled earlier run (`previous.ctx`), as the seed's `run(ctx=...)`: this run
   * starts from that run's store. Its queues, buffers and leftovers are never carried over.
   */
  readonly context?: Context;
}

const WORKFLOW_KEYS = [
  "timeout",
  "verbose",
  "disableValidation",
  "logger",
  "tracer",
  "historyLimit",
  "recordExceptions",
  "recordEventPayloads",
  "journal",
  "serviceManager",
  "streamLimit",
  "waitBufferLimit",
] as const satisfies readonly (keyof WorkflowOptions)[];
const RUN_KEYS = [
  "signal",
  "stepwise",
  "timeout",
  "runId",
  "parent",
  "context",
] as const satisfies readonly (keyof RunOptions)[];
const RESUME_KEYS = [
  "signal",
  "timeout",
  "stepwise",
] as const satisfies readonly (keyof ResumeOptions)[];
// The seed's Python spells it run(ctx=...).
const RUN_ALIASES = { ctx: "context" };

export function validateWorkflowOptions(name: string, o: WorkflowOptions): WorkflowOptions {
  const problems: string[] = [];
  if (o === null || typeof o !== "object")
    throw new WorkflowValidationError(`new ${name}(options): options must be an object`);
  problems.push(...unknownKeyProblems(o, WORKFLOW_KEYS));
  const t = o.timeout;
  if (t !== undefined && t !== null && !(typeof t === "number" && t > 0 && Number.isFinite(t))) {
    problems.push(`timeout must be a positive number of ms, or null for none; got ${shown(t)}`);
  }
  if (o.verbose !== undefined && typeof o.verbose !== "boolean")
    problems.push("verbose must be a boolean");
  if (o.disableValidation !== undefined && typeof o.disableValidation !== "boolean")
    problems.push("disableValidation must be a boolean");
  if (o.logger !== undefined && typeof o.logger !== "function")
    problems.push("logger must be a function (message: string) => void");
  if (o.tracer !== undefined && (o.tracer === null || typeof o.tracer.startSpan !== "function"))
    problems.push("tracer must be an OpenTelemetry Tracer");
  const h = o.historyLimit;
  if (
    h !== undefined &&
    !(typeof h === "number" && h >= 0 && (Number.isInteger(h) || h === Infinity))
  ) {
    problems.push(`historyLimit must be an integer >= 0 or Infinity; got ${shown(h)}`);
  }
  if (o.recordExceptions !== undefined && typeof o.recordExceptions !== "boolean")
    problems.push("recordExceptions must be a boolean");
  const payloads = o.recordEventPayloads as unknown;
  if (
    payloads !== undefined &&
    typeof payloads !== "boolean" &&
    !(
      typeof payloads === "object" &&
      payloads !== null &&
      Number.isInteger((payloads as { maxLength?: unknown }).maxLength) &&
      (payloads as { maxLength: number }).maxLength >= 1
    )
  ) {
    problems.push(
      `recordEventPayloads must be true, false or { maxLength: n } with an integer n >= 1; got ${shown(payloads)}`,
    );
  }
  for (const key of ["streamLimit", "waitBufferLimit"] as const) {
    const v = o[key];
    if (
      v !== undefined &&
      !(typeof v === "number" && v >= 0 && (Number.isInteger(v) || v === Infinity))
    )
      problems.push(`${key} must be an integer >= 0 or Infinity; got ${shown(v)}`);
  }
  const j = o.journal as unknown;
  if (j !== undefined && !isJournal(j)) {
    problems.push(
      `journal must be a Journal (append, read, listRuns, claim, release, close): sqliteJournal() from @eventloom/sqlite, postgresJournal() from @eventloom/postgres, or memoryJournal(); got ${shown(j)}`,
    );
  }
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `new ${name}(options): ${p}`));
  return o;
}

export const NO_RUN_OPTIONS: RunOptions = Object.freeze({});

export function validateRunOptions(name: string, o: RunOptions): RunOptions {
  const problems: string[] = [];
  if (o === null || typeof o !== "object")
    throw new WorkflowValidationError(`${name}.run(input, options): options must be an object`);
  problems.push(...unknownKeyProblems(o, RUN_KEYS, RUN_ALIASES));
  problems.push(...commonRunProblems(o));
  if (o.runId !== undefined && !(typeof o.runId === "string" && o.runId.length > 0))
    problems.push(`runId must be a non-empty string; got ${shown(o.runId)}`);
  for (const key of ["parent", "context"] as const) {
    const v = o[key];
    if (v !== undefined && (v === null || typeof v !== "object" || !("runId" in v)))
      problems.push(
        key === "parent"
          ? `parent must be a step's ctx; got ${shown(v)}`
          : `context must be a ctx (handler.ctx of a settled earlier run); got ${shown(v)}`,
      );
  }
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `${name}.run(): ${p}`));
  return o;
}

export function validateResumeOptions(name: string, o: ResumeOptions | undefined): ResumeOptions {
  if (o === undefined) return NO_RUN_OPTIONS;
  if (o === null || typeof o !== "object")
    throw new WorkflowValidationError(
      `${name}.resume(snapshot, options): options must be an object`,
    );
  const problems = [...unknownKeyProblems(o, RESUME_KEYS), ...commonRunProblems(o)];
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `${name}.resume(): ${p}`));
  return o;
}

function commonRunProblems(o: ResumeOptions): string[] {
  const problems: string[] = [];
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    problems.push(`signal must be an AbortSignal; got ${shown(o.signal)}`);
  if (o.stepwise !== undefined && typeof o.stepwise !== "boolean")
    problems.push(`stepwise must be a boolean; got ${shown(o.stepwise)}`);
  const t = o.timeout;
  if (t !== undefined && t !== null && !(typeof t === "number" && t > 0 && Number.isFinite(t)))
    problems.push(`timeout must be a positive number of ms, or null; got ${shown(t)}`);
  return problems;
}

/** A run's timeout: the run's own if given, else the workflow's, else 45 s (`null`: none). */
export function runTimeout(
  run: number | null | undefined,
  workflow: number | null | undefined,
): number | null {
  return run !== undefined ? run : workflow === undefined ? DEFAULT_TIMEOUT_MS : workflow;
}

/** The seed's `Workflow(service_manager=...)`: the manager's services are the instance's. */
export function servicesOf(className: string, options: WorkflowOptions): Map<string, unknown> {
  const manager = options.serviceManager;
  if (manager !== undefined && !(manager?.services instanceof Map)) {
    throw new WorkflowValidationError(
      `new ${className}(options): serviceManager must be a ServiceManager from @eventloom/services (an object with a services Map)`,
    );
  }
  return manager?.services ?? new Map<string, unknown>();
}

export function payloadMaxLength(
  option: WorkflowOptions["recordEventPayloads"],
): number | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? DEFAULT_PAYLOAD_LENGTH : option.maxLength;
}

function isJournal(j: unknown): j is Journal {
  if (j === null || typeof j !== "object") return false;
  const o = j as Record<string, unknown>;
  return ["append", "read", "listRuns", "claim", "release"].every(
    (k) => typeof o[k] === "function",
  );
}
