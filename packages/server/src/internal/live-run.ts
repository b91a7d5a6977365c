// A run this server drives (started here, recovered or resumed from the journal): its handler,
// its recorded stream (read by any number of consumers from any position), its outcome once settled.
import type { EventJSON, JournalRunStatus, WorkflowHandler } from "@eventloom/core";
import type { RunErrorInfo, RunInfo } from "../run-info.js";
import type { ServedWorkflow } from "./served-workflow.js";

/** A run this server drives (started here, recovered or resumed from the journal). */
export class LiveRun {
  /** Every stream event so far, in order; the index is the SSE `id`. */
  readonly events: EventJSON[] = [];
  status: JournalRunStatus = "running";
  result: unknown = undefined;
  error: RunErrorInfo | undefined = undefined;
  /** True once the run has settled and its whole stream is in `events`. */
  done = false;
  updatedAt: number;
  /** Made by the first `subscribe`: most runs (`?wait=true`) never have a listener. */
  #listeners: Set<() => void> | undefined = undefined;
  #scheduled = false;
  readonly settled: Promise<void>;
  #markSettled!: () => void;

  constructor(
    readonly served: ServedWorkflow,
    readonly handler: WorkflowHandler<unknown>,
    readonly startedAt: number,
  ) {
    this.updatedAt = startedAt;
    this.settled = new Promise((resolve) => (this.#markSettled = resolve));
  }

  get runId(): string {
    return this.handler.runId;
  }

  /** The OpenTelemetry trace id of a traced run. */
  get traceId(): string | undefined {
    return this.handler.traceId;
  }

  get journaled(): boolean {
    return this.served.workflow.options.journal !== undefined;
  }

  info(): RunInfo {
    return {
      runId: this.runId,
      workflow: this.served.name,
      status: this.status,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
    };
  }

  /** Calls `listener` after each new event and once when the run is done; returns the unsubscribe. */
  subscribe(listener: () => void): () => void {
    const listeners = (this.#listeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  /** How many listeners are subscribed (streams being sent). */
  get listenerCount(): number {
    return this.#listeners?.size ?? 0;
  }

  push(event: EventJSON): void {
    this.events.push(event);
    // Nobody to tell (a listener that subscribes later reads `events` from its position).
    if (this.#listeners === undefined || this.#listeners.size === 0) {
      this.updatedAt = Date.now();
      return;
    }
    // Listeners hear of a burst once (a step writing 20 000 events in a loop is one chunk).
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.updatedAt = Date.now();
      this.#notify();
    });
  }

  finish(outcome: { result?: unknown; error?: unknown; ok: boolean }): void {
    this.status = this.handler.status === "running" ? "failed" : this.handler.status;
    if (outcome.ok) this.result = jsonSafe(outcome.result);
    else this.error = errorInfo(outcome.error);
    this.updatedAt = Date.now();
    this.done = true;
    this.#notify();
    this.#markSettled();
  }

  #notify(): void {
    if (this.#listeners === undefined) return;
    for (const listener of [...this.#listeners]) listener();
  }
}

/** `code` of a WorkflowError, else the error's name; its message. */
export function errorInfo(error: unknown): RunErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === "string" ? code : error.name, message: error.message };
  }
  return { code: "ERROR", message: String(error) };
}

/** A result as JSON (events through their `toJSON`); one that JSON cannot carry is described. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined || value === null) return value;
  // The common results are JSON as they are: no round trip through a string for those.
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    return `(result not JSON-safe: ${error instanceof Error ? error.message : String(error)})`;
  }
}
