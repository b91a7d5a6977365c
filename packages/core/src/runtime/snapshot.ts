// RunSnapshot: a run's whole state as plain JSON, and how it is taken from a live run.
import { WorkflowError, WorkflowRuntimeError } from "../errors.js";
import type { EventJSON } from "../event.js";

/** A run's status in a snapshot. */
export type SnapshotStatus = "running" | "completed" | "failed" | "timed_out" | "cancelled";

/** An error as a snapshot keeps it: enough to rebuild a `WorkflowError` or say what it was. */
export interface SnapshotError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** An invocation in a snapshot: in flight (run again on resume) or waiting out a retry delay. */
export interface SnapshotInvocation {
  readonly step: string;
  readonly event: EventJSON;
  /** The invocation's number in the run (`ctx.invocationId` is `<step>#<invocation>`). */
  readonly invocation: number;
  /** The attempt that was running, or the one due after the delay. */
  readonly attempt: number;
  readonly lastError?: SnapshotError;
  /** What the invocation's earlier attempts collected, per buffer key (retries reuse it). */
  readonly collected?: readonly { readonly key: string; readonly events: EventJSON[] | null }[];
  /** Retries only: ms left of the delay when the snapshot was taken. */
  readonly delayMs?: number;
  /** In flight only: the answers its waits had got (handed back to its re-run in order). */
  readonly answers?: EventJSON[];
  /**
   * In flight only: how many events it had put in the stream (its re-run's first that many
   * writes are not written again: the stream holds them).
   */
  readonly streamed?: number;
  /**
   * In flight only: the nested runs it had started (`run(input, { parent: ctx })`), by workflow
   * and run id. Resuming runs the invocation again from its start, so it starts its nested runs
   * anew; the earlier ones ended with the run the snapshot was taken of (they inherit its
   * cancellation), or are resumed on their own from their own snapshots or journal.
   */
  readonly nested?: readonly { readonly workflow: string; readonly runId: string }[];
  /** In flight only: the event classes it was suspended waiting for. */
  readonly waitingFor?: readonly string[];
}

/**
 * A run's whole state between step boundaries, as plain JSON: `JSON.parse(JSON.stringify(s))`
 * equals `s`. `workflow.resume(snapshot)` continues the run from it. Taken with
 * `handler.snapshot()`; a journal's records fold into the same shape.
 */
export interface RunSnapshot {
  readonly version: 1;
  /** The workflow's name (`static workflowName`, else the class name). */
  readonly workflow: string;
  readonly runId: string;
  readonly status: SnapshotStatus;
  /** The start event. */
  readonly input: EventJSON;
  /** Whether the start event had been delivered (a stepwise run before its first round: not). */
  readonly started: boolean;
  readonly stepwise: boolean;
  /** The store's keys and values. */
  readonly store: Record<string, unknown>;
  /** Events waiting for a worker, per step, in order. */
  readonly queued: readonly { readonly step: string; readonly events: EventJSON[] }[];
  /** Events held back: sent before the start, or produced for the next stepwise round. */
  readonly pending: readonly { readonly event: EventJSON; readonly step?: string }[];
  /** Invocations that were running, or suspended in `waitForEvent`: run again on resume. */
  readonly inFlight: readonly SnapshotInvocation[];
  /** Retries waiting for a worker or out their delay. */
  readonly retrying: readonly SnapshotInvocation[];
  /** Fan-in buffers (`collectEvents`), by step and `bufferId`. */
  readonly collected: readonly {
    readonly step: string;
    readonly bufferId?: string;
    readonly events: EventJSON[];
  }[];
  /** Which in-flight invocations were waiting, for what (also in `inFlight[].waitingFor`). */
  readonly waiting: readonly {
    readonly step: string;
    readonly invocationId: string;
    readonly eventType: string;
  }[];
  /** Events kept for waits still to come. */
  readonly waitBuffer: EventJSON[];
  /** How many events steps had written to the stream. */
  readonly stream: { readonly written: number };
  /** How many invocations the run had started (ids of new ones continue from here). */
  readonly invocations: number;
  /** A completed run's result (JSON), or for a custom stop event its `EventJSON`. */
  readonly result?: unknown;
  /** Set when the result is a custom stop event (`result` is then its EventJSON). */
  readonly resultIsEvent?: boolean;
  readonly error?: SnapshotError;
}

/** An error as plain JSON (name, message, and `code` for WorkflowErrors). */
export function errorJSON(error: unknown): SnapshotError {
  if (error instanceof WorkflowError)
    return { name: error.name, message: error.message, code: error.code };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/**
 * Throws a WorkflowRuntimeError unless `value` survives JSON as it is: plain objects, arrays,
 * strings, finite numbers, booleans and null (no functions, class instances, bigint, undefined
 * inside arrays, NaN or Infinity, cycles).
 */
export function checkJson(value: unknown, where: string, seen: Set<object> = new Set()): void {
  const bad = (what: string): never => {
    throw new WorkflowRuntimeError(
      `snapshot(): ${where} is not JSON-safe (${what}): keep only plain objects, arrays, strings, finite numbers, booleans and null in a run's state`,
    );
  };
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) bad(String(value));
      return;
    case "object": {
      if (value === null) return;
      if (seen.has(value)) bad("a cycle");
      const proto = Object.getPrototypeOf(value) as unknown;
      if (Array.isArray(value)) {
        seen.add(value);
        for (const item of value) {
          if (item === undefined) bad("undefined in an array");
          checkJson(item, where, seen);
        }
        seen.delete(value);
        return;
      }
      if (proto !== Object.prototype && proto !== null) {
        bad(
          `an instance of ${(value as { constructor?: { name?: string } }).constructor?.name ?? "a class"}`,
        );
      }
      seen.add(value);
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        if (item !== undefined) checkJson(item, `${where}.${key}`, seen);
      }
      seen.delete(value);
      return;
    }
    case "undefined":
      return bad("undefined");
    case "bigint":
      return bad("a bigint");
    default:
      return bad(`a ${typeof value}`);
  }
}
