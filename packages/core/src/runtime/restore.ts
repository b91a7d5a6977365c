// Checking a RunSnapshot and reviving its events, before a run continues from it.
import {
  StepTimeoutError,
  WorkflowCancelledError,
  WorkflowError,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
  WorkflowValidationError,
} from "../errors.js";
import type { Event, EventJSON } from "../event.js";
import type { StepRecord, WorkflowPlan } from "../internal/plan.js";
import type { RunSnapshot, SnapshotError, SnapshotInvocation, SnapshotStatus } from "./snapshot.js";

/** An invocation of a snapshot with its event revived and its step found. */
export interface RevivedInvocation {
  readonly step: StepRecord;
  readonly event: Event;
  readonly invocation: number;
  readonly attempt: number;
  readonly lastError: unknown;
  readonly collected: ReadonlyMap<string, Event[] | null> | undefined;
  readonly delayMs: number;
  /** The answers its waits had got, handed back in order when it runs again. */
  readonly answers: Event[] | undefined;
  /** How many stream events it had written (not written again by its re-run). */
  readonly streamed: number;
  /** The type names of the events it was suspended waiting for. */
  readonly waitingFor: readonly string[];
}

/** A snapshot checked against the workflow, with live events. */
export interface RevivedSnapshot {
  readonly runId: string;
  readonly status: SnapshotStatus;
  readonly input: Event;
  readonly started: boolean;
  readonly stepwise: boolean;
  readonly store: Record<string, unknown>;
  readonly queued: readonly { readonly step: StepRecord; readonly events: Event[] }[];
  readonly pending: readonly { readonly event: Event; readonly step: StepRecord | undefined }[];
  readonly inFlight: readonly RevivedInvocation[];
  readonly retrying: readonly RevivedInvocation[];
  readonly collected: readonly { readonly key: string; readonly events: Event[] }[];
  readonly waitBuffer: readonly Event[];
  readonly streamWritten: number;
  readonly invocations: number;
  /** A settled run's result (a revived event for a custom stop event). */
  readonly result: unknown;
  readonly error: unknown;
}

const STATUSES = new Set(["running", "completed", "failed", "timed_out", "cancelled"]);

/**
 * Checks a snapshot (what `handler.snapshot()` gave, maybe through JSON and a file) against the
 * workflow that resumes it, and revives its events with the workflow's own classes. Every
 * problem is a WorkflowRuntimeError saying which field and what to do; an event whose data no
 * longer fits its schema is the EventValidationError its class throws.
 */
export function reviveSnapshot(
  plan: WorkflowPlan,
  snapshot: unknown,
  revive: (json: EventJSON) => Event,
): RevivedSnapshot {
  const name = plan.workflowName;
  const fail = (what: string): never => {
    throw new WorkflowRuntimeError(
      `${name}.resume(): ${what}. Pass what handler.snapshot() returned for a run of ${name}, unchanged (a truncated or edited snapshot cannot be resumed)`,
    );
  };
  if (snapshot === null || typeof snapshot !== "object" || Array.isArray(snapshot))
    fail(`the snapshot must be an object; got ${snapshot === null ? "null" : typeof snapshot}`);
  const s = snapshot as Partial<Record<keyof RunSnapshot, unknown>>;
  if (s.version !== 1)
    throw new WorkflowRuntimeError(
      `${name}.resume(): unknown snapshot version ${JSON.stringify(s.version)}: this version of @eventloom/core reads version 1; resume it with the version that wrote it`,
    );
  if (s.workflow !== name)
    throw new WorkflowRuntimeError(
      `${name}.resume(): the snapshot is of workflow ${JSON.stringify(s.workflow)}, not ${name}: resume it with an instance of that workflow`,
    );
  if (typeof s.runId !== "string" || s.runId.length === 0) fail("runId is missing");
  if (typeof s.status !== "string" || !STATUSES.has(s.status))
    fail(`status ${JSON.stringify(s.status)} is not a run status`);
  const arrays = ["queued", "pending", "inFlight", "retrying", "collected", "waitBuffer"] as const;
  for (const key of arrays) if (!Array.isArray(s[key])) fail(`${key} is missing or not an array`);
  if (s.store === null || typeof s.store !== "object" || Array.isArray(s.store))
    fail("store is missing or not an object");
  const stream = s.stream as { written?: unknown } | undefined;
  if (typeof stream?.written !== "number") fail("stream.written is missing");
  if (typeof s.invocations !== "number") fail("invocations is missing");

  const event = (json: unknown, where: string): Event => {
    if (json === null || typeof json !== "object" || typeof (json as EventJSON).type !== "string")
      fail(`${where} is not an event ({ type, data })`);
    const type = (json as EventJSON).type;
    if (!plan.eventsByType.has(type))
      throw new WorkflowRuntimeError(
        `${name}.resume(): ${where} is an event of type "${type}", which ${name} no longer has (known: ${[...plan.eventsByType.keys()].join(", ")}): resume with the workflow version that has it, or migrate the snapshot`,
      );
    return revive(json as EventJSON);
  };
  const stepOf = (stepName: unknown, where: string): StepRecord => {
    const step = typeof stepName === "string" ? plan.byName.get(stepName) : undefined;
    if (step === undefined)
      throw new WorkflowRuntimeError(
        `${name}.resume(): ${where} names step ${JSON.stringify(stepName)}, which ${name} no longer has (steps: ${[...plan.byName.keys()].join(", ")})`,
      );
    return step;
  };
  const invocation = (raw: unknown, where: string): RevivedInvocation => {
    const i = raw as Partial<SnapshotInvocation>;
    if (typeof i?.invocation !== "number" || typeof i.attempt !== "number")
      fail(`${where} is malformed`);
    return {
      step: stepOf(i.step, where),
      event: event(i.event, `${where}.event`),
      invocation: i.invocation!,
      attempt: i.attempt!,
      lastError: i.lastError === undefined ? undefined : reviveError(i.lastError),
      collected:
        i.collected === undefined
          ? undefined
          : new Map(
              i.collected.map((c) => [
                c.key,
                c.events === null
                  ? null
                  : c.events.map((e, k) => event(e, `${where}.collected[${k}]`)),
              ]),
            ),
      delayMs: typeof i.delayMs === "number" ? i.delayMs : 0,
      answers: i.answers?.map((e, k) => event(e, `${where}.answers[${k}]`)),
      streamed:
        Number.isInteger(i.streamed) && (i.streamed as number) > 0 ? (i.streamed as number) : 0,
      waitingFor: Array.isArray(i.waitingFor)
        ? i.waitingFor.filter((t): t is string => typeof t === "string")
        : [],
    };
  };
  const status = s.status as SnapshotStatus;
  let result: unknown = undefined;
  if (status === "completed")
    result = s.resultIsEvent === true ? event(s.result, "result") : s.result;
  return {
    runId: s.runId as string,
    status,
    input: event(s.input, "input"),
    started: s.started === true,
    stepwise: s.stepwise === true,
    store: s.store as Record<string, unknown>,
    queued: (s.queued as { step: unknown; events: unknown[] }[]).map((q, i) => ({
      step: stepOf(q.step, `queued[${i}]`),
      events: (Array.isArray(q.events)
        ? q.events
        : fail(`queued[${i}].events is not an array`)
      ).map((e, k) => event(e, `queued[${i}].events[${k}]`)),
    })),
    pending: (s.pending as { event: unknown; step?: unknown }[]).map((p, i) => ({
      event: event(p.event, `pending[${i}]`),
      step: p.step === undefined ? undefined : stepOf(p.step, `pending[${i}]`),
    })),
    inFlight: (s.inFlight as unknown[]).map((x, i) => invocation(x, `inFlight[${i}]`)),
    retrying: (s.retrying as unknown[]).map((x, i) => invocation(x, `retrying[${i}]`)),
    collected: (s.collected as { step: unknown; bufferId?: unknown; events: unknown[] }[]).map(
      (c, i) => {
        const step = stepOf(c.step, `collected[${i}]`).name;
        return {
          key: typeof c.bufferId === "string" ? `${step}\u0000${c.bufferId}` : step,
          events: (Array.isArray(c.events)
            ? c.events
            : fail(`collected[${i}].events is not an array`)
          ).map((e, k) => event(e, `collected[${i}].events[${k}]`)),
        };
      },
    ),
    waitBuffer: (s.waitBuffer as unknown[]).map((e, i) => event(e, `waitBuffer[${i}]`)),
    streamWritten: stream!.written as number,
    invocations: s.invocations as number,
    result,
    error: status === "completed" || status === "running" ? undefined : reviveError(s.error),
  };
}

const KNOWN_ERRORS: Record<string, abstract new (...args: never[]) => WorkflowError> = {
  WorkflowValidationError,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
  StepTimeoutError,
  WorkflowCancelledError,
};

/**
 * An error of a snapshot as an Error again: a WorkflowError class of core is rebuilt as that
 * class (so `instanceof WorkflowCancelledError` holds); any other keeps its name and message.
 */
export function reviveError(raw: unknown): Error {
  const e = (raw ?? {}) as Partial<SnapshotError>;
  const message = typeof e.message === "string" ? e.message : "unknown error";
  const name = typeof e.name === "string" ? e.name : "Error";
  const cls = KNOWN_ERRORS[name];
  const error: Error =
    cls === undefined ? new Error(message) : (Object.create(cls.prototype) as Error);
  if (cls !== undefined) {
    Object.defineProperty(error, "message", { value: message, writable: true, configurable: true });
    Object.defineProperty(error, "stack", {
      value: `${name}: ${message}\n    (from a snapshot)`,
      writable: true,
      configurable: true,
    });
    if (typeof e.code === "string") Object.defineProperty(error, "code", { value: e.code });
  }
  Object.defineProperty(error, "name", { value: name, writable: true, configurable: true });
  return error;
}
