// Taking a RunSnapshot of a live run: its queues, invocations, buffers and store, as JSON.
import { Event, type EventClass, type EventJSON, eventTypeName } from "../event.js";
import type { RunState } from "./run-state.js";
import {
  type RunSnapshot,
  type SnapshotError,
  type SnapshotInvocation,
  type SnapshotStatus,
  checkJson,
  errorJSON,
} from "./snapshot.js";
import type { StepView } from "./step-view.js";
import type { PendingRetry } from "./worker-pool.js";

/** The parts of a run's state a snapshot reads (a run, or what a settled run keeps of itself). */
export type SnapshotSource = Pick<
  RunState,
  | "settings"
  | "store"
  | "pools"
  | "waiters"
  | "running"
  | "fanIn"
  | "waitBuffer"
  | "status"
  | "runId"
  | "startEvent"
  | "started"
  | "stepwise"
  | "pending"
  | "inbound"
  | "streamWritten"
  | "invocations"
  | "failure"
>;

/**
 * Takes the snapshot of a run's state now. Throws a WorkflowRuntimeError for non-JSON data.
 * `failureJSON`, when given, is the run's error as JSON already (see `settledSnapshotOf`).
 */
export function takeSnapshot(
  run: SnapshotSource,
  result: unknown,
  failureJSON?: SnapshotError,
): RunSnapshot {
  const plan = run.settings.plan;
  const json = (event: Event, where: string): EventJSON => {
    const out = event.toJSON();
    checkJson(out.data, `${where}: event ${out.type}`);
    return out;
  };
  const store: Record<string, unknown> = {};
  for (const [key, value] of run.store.entries()) {
    checkJson(value, `store key "${key}"`);
    store[key] = value;
  }
  const queued: { step: string; events: EventJSON[] }[] = [];
  const retrying: SnapshotInvocation[] = [];
  const now = Date.now();
  plan.steps.forEach((step, i) => {
    const pool = run.pools?.[i];
    if (pool === undefined) return;
    const events = pool.queue?.toArray() ?? [];
    if (events.length > 0)
      queued.push({ step: step.name, events: events.map((e) => json(e, "queue")) });
    for (const r of pool.retries?.toArray() ?? []) retrying.push(retryJSON(step.name, r, 0, json));
    for (const [r, due] of pool.delayed ?? []) {
      retrying.push(retryJSON(step.name, r, Math.max(0, due - now), json));
    }
  });
  const waitingFor = new Map<StepView, string[]>();
  for (const [cls, set] of run.waiters ?? []) {
    for (const w of set) {
      let list = waitingFor.get(w.view);
      if (list === undefined) waitingFor.set(w.view, (list = []));
      list.push(eventTypeName(cls as EventClass));
    }
  }
  const inFlight: SnapshotInvocation[] = [];
  const reverts: StepView[] = [];
  const waiting: { step: string; invocationId: string; eventType: string }[] = [];
  // The running list is newest first: in flight oldest first, as they started.
  const views: StepView[] = [];
  for (let v = run.running; v !== undefined; v = v.runningNext) views.push(v);
  for (const v of views.reverse()) {
    const types = waitingFor.get(v);
    inFlight.push({
      step: v.step!.name,
      event: json(v.event!, "in flight"),
      invocation: v.invocation,
      attempt: v.attempt,
      ...(v.lastError === undefined ? {} : { lastError: errorJSON(v.lastError) }),
      ...memoJSON(v.memo, json),
      ...(types === undefined ? {} : { waitingFor: types }),
      ...(v.answers === undefined ? {} : { answers: v.answers.map((e) => json(e, "answer")) }),
      ...(v.streamed > 0 ? { streamed: v.streamed } : {}),
      ...(v.nested === undefined ? {} : { nested: v.nested.map((n) => ({ ...n })) }),
    });
    if (v.collectLog !== undefined) reverts.push(v);
    for (const t of types ?? [])
      waiting.push({ step: v.step!.name, invocationId: v.invocationId, eventType: t });
  }
  const collected: { step: string; bufferId?: string; events: EventJSON[] }[] = [];
  const contents = new Map<string, Event[]>();
  for (const [key, buffer] of run.fanIn?.buffers ?? []) contents.set(key, buffer.contents());
  // What in-flight attempts of a durable run collected is undone in the cut: they run again.
  for (const v of reverts) {
    for (const op of v.collectLog!) {
      let list = contents.get(op.key);
      if (list === undefined) contents.set(op.key, (list = []));
      if (op.added !== undefined) {
        const i = list.indexOf(op.added);
        if (i >= 0) list.splice(i, 1);
      }
      list.push(...op.taken.filter((e) => e !== op.added));
    }
  }
  for (const [key, events] of contents) {
    if (events.length === 0) continue;
    const nul = key.indexOf("\u0000");
    collected.push({
      step: nul < 0 ? key : key.slice(0, nul),
      ...(nul < 0 ? {} : { bufferId: key.slice(nul + 1) }),
      events: events.map((e) => json(e, "fan-in buffer")),
    });
  }
  const waitBuffer: EventJSON[] = [];
  for (const list of run.waitBuffer?.values() ?? [])
    for (const e of list) waitBuffer.push(json(e, "wait buffer"));
  const status = run.status;
  const snapshot: RunSnapshot = {
    version: 1,
    workflow: plan.workflowName,
    runId: run.runId,
    status,
    input: json(run.startEvent, "input"),
    started: run.started,
    stepwise: run.stepwise,
    store,
    queued,
    pending: [...(run.pending ?? []), ...(run.inbound ?? [])].map((env) => ({
      event: json(env.event, "held event"),
      ...(env.target === undefined ? {} : { step: env.target.name }),
    })),
    inFlight,
    retrying,
    collected,
    waiting,
    waitBuffer,
    stream: { written: run.streamWritten },
    invocations: run.invocations,
    ...settledJSON(status, result, run.failure, json, failureJSON),
  };
  return snapshot;
}

function settledJSON(
  status: SnapshotStatus,
  result: unknown,
  failure: unknown,
  json: (e: Event, where: string) => EventJSON,
  failureJSON: SnapshotError | undefined,
): Partial<RunSnapshot> {
  if (status === "running") return {};
  if (status !== "completed") return { error: failureJSON ?? errorJSON(failure) };
  if (isEvent(result)) return { result: json(result, "result"), resultIsEvent: true };
  checkJson(result, "the run's result");
  return result === undefined ? {} : { result };
}

function isEvent(value: unknown): value is Event {
  return value instanceof Event;
}

function retryJSON(
  step: string,
  r: PendingRetry,
  delayMs: number,
  json: (e: Event, where: string) => EventJSON,
): SnapshotInvocation {
  return {
    step,
    event: json(r.event, "retry"),
    invocation: r.invocation,
    attempt: r.attempt,
    ...(r.lastError === undefined ? {} : { lastError: errorJSON(r.lastError) }),
    ...memoJSON(r.memo, json),
    delayMs,
  };
}

function memoJSON(
  memo: PendingRetry["memo"],
  json: (e: Event, where: string) => EventJSON,
): { collected?: { key: string; events: EventJSON[] | null }[] } {
  if (memo === undefined || memo.size === 0) return {};
  return {
    collected: [...memo].map(([key, taken]) => ({
      key,
      events: taken === null ? null : taken.events.map((e) => json(e, "collected")),
    })),
  };
}
