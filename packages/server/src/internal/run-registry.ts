// The runs a server knows: each run's recorded stream (so any number of consumers, early or
// late, read it from any position), its outcome once settled, retention of finished runs, and
// runs read back from the journal (after a restart) on demand.
import type { RunErrorInfo, RunInfo } from "../run-info.js";
import {
  type EventJSON,
  type Journal,
  type JournalRunFilter,
  type JournalRunInfo,
  type JournalRunStatus,
  RunOwnedError,
  type Workflow,
  type WorkflowHandler,
} from "@eventloom/core";

/** A workflow served under a name. */
export interface ServedWorkflow {
  readonly name: string;
  readonly workflow: Workflow;
}

/** A run this server drives (started here, recovered or resumed from the journal). */
export class RunRecord {
  /** Every stream event so far, in order; the index is the SSE `id`. */
  readonly events: EventJSON[] = [];
  status: JournalRunStatus = "running";
  result: unknown = undefined;
  error: RunErrorInfo | undefined = undefined;
  /** True once the run has settled and its whole stream is in `events`. */
  done = false;
  updatedAt: number;
  readonly #listeners = new Set<() => void>();
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
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many listeners are subscribed (streams being sent). */
  get listenerCount(): number {
    return this.#listeners.size;
  }

  push(event: EventJSON): void {
    this.events.push(event);
    // Nobody to tell (a listener that subscribes later reads `events` from its position).
    if (this.#listeners.size === 0) {
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
    for (const listener of [...this.#listeners]) listener();
  }
}

/** A journaled run that another live process drives: known, but not served from here. */
export interface ForeignRun {
  readonly foreign: true;
  readonly served: ServedWorkflow;
  readonly info: RunInfo;
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

export class RunRegistry {
  readonly #runs = new Map<string, RunRecord>();
  /** Ids of finished runs in the order they finished, for `retainRuns`; the oldest at `#head`. */
  #finished: string[] = [];
  #head = 0;
  readonly #loading = new Map<string, Promise<RunRecord | ForeignRun | undefined>>();
  readonly #runListeners = new Set<(info: RunInfo) => void>();

  constructor(
    readonly served: readonly ServedWorkflow[],
    readonly retainRuns: number,
  ) {}

  /** Each journal the served workflows use, with the workflows on it. */
  get journals(): Map<Journal, ServedWorkflow[]> {
    const out = new Map<Journal, ServedWorkflow[]>();
    for (const s of this.served) {
      const journal = s.workflow.options.journal;
      if (journal === undefined) continue;
      const list = out.get(journal) ?? [];
      list.push(s);
      out.set(journal, list);
    }
    return out;
  }

  /** Listens to every run's start and status change; returns the unsubscribe. */
  onRunChange(listener: (info: RunInfo) => void): () => void {
    this.#runListeners.add(listener);
    return () => this.#runListeners.delete(listener);
  }

  /** Tracks a run just started with `workflow.run()` (its stream is read from the start). */
  started(served: ServedWorkflow, handler: WorkflowHandler<unknown>): RunRecord {
    const record = new RunRecord(served, handler, Date.now());
    this.#runs.set(record.runId, record);
    this.#emit(record);
    // Subscribed now, so the first consumer gets everything; events come synchronously as
    // steps write them.
    handler.events$.subscribe({
      next: (event) => record.push(event.toJSON()),
      complete: () => void this.#settle(record),
      error: () => void this.#settle(record),
    });
    return record;
  }

  /** Tracks a run read back from its journal (recovered or resumed): its stream is replayed. */
  async adopted(
    served: ServedWorkflow,
    handler: WorkflowHandler<unknown>,
    startedAt: number,
  ): Promise<RunRecord> {
    // Core reads the stream position a replay starts from when the run has been loaded.
    await handler.whenLoaded();
    const record = new RunRecord(served, handler, startedAt);
    this.#runs.set(record.runId, record);
    this.#emit(record);
    const replay = handler.streamEvents({ from: 0 });
    void (async () => {
      try {
        for await (const event of replay) record.push(event.toJSON());
      } catch {
        // The stream could not be read back (a journal failure): the outcome still settles it.
      }
      await this.#settle(record);
    })();
    return record;
  }

  /** The run if this server holds it in memory. */
  get(runId: string): RunRecord | undefined {
    return this.#runs.get(runId);
  }

  /**
   * The run in memory, or read back from a journal (resumed here when unfinished and free);
   * a `ForeignRun` when another live process drives it; undefined when nobody knows it.
   */
  find(runId: string): Promise<RunRecord | ForeignRun | undefined> {
    const known = this.#runs.get(runId);
    if (known !== undefined) return Promise.resolve(known);
    let loading = this.#loading.get(runId);
    if (loading === undefined) {
      loading = this.#load(runId).finally(() => this.#loading.delete(runId));
      this.#loading.set(runId, loading);
    }
    return loading;
  }

  async #load(runId: string): Promise<RunRecord | ForeignRun | undefined> {
    for (const [journal, served] of this.journals) {
      const entries = await journal.read(runId);
      const first = entries[0];
      if (first === undefined) continue;
      const s = served.find((x) => x.workflow.workflowName === first.workflow);
      if (s === undefined) continue;
      const handler = s.workflow.resume(runId);
      handler.then(undefined, () => {});
      await handler.whenLoaded().catch(() => {});
      if (handler.isDone()) {
        // A run that could not be claimed settles at once with RunOwnedError.
        const error = await handler.then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error instanceof RunOwnedError) {
          const status = [...entries].reverse().find((e) => e.status !== undefined)?.status;
          return {
            foreign: true,
            served: s,
            info: {
              runId,
              workflow: s.name,
              status: status ?? "running",
              startedAt: first.at,
              updatedAt: entries[entries.length - 1]!.at,
            },
          };
        }
      }
      const record = await this.adopted(s, handler, first.at);
      // A finished run is answered as finished: its outcome and stream are read back first.
      if (handler.isDone()) await record.settled;
      return record;
    }
    return undefined;
  }

  /** Runs newest first: the journals' and those in memory, filtered. */
  async list(filter: { workflow?: string; status?: JournalRunStatus }): Promise<RunInfo[]> {
    const byId = new Map<string, RunInfo>();
    for (const [journal, served] of this.journals) {
      const wanted =
        filter.workflow === undefined ? served : served.filter((s) => s.name === filter.workflow);
      const names = new Set(wanted.map((s) => s.workflow.workflowName));
      if (names.size === 0) continue;
      const query: JournalRunFilter =
        names.size === 1
          ? { workflow: [...names][0]!, ...(filter.status ? { status: filter.status } : {}) }
          : filter.status
            ? { status: filter.status }
            : {};
      for (const run of await journal.listRuns(query)) {
        const s = wanted.find((x) => x.workflow.workflowName === run.workflow);
        if (s !== undefined) byId.set(run.runId, journalInfo(run, s.name));
      }
    }
    for (const record of this.#runs.values()) {
      if (filter.workflow !== undefined && record.served.name !== filter.workflow) continue;
      if (filter.status !== undefined && record.status !== filter.status) {
        // The journal may lag by a commit; the live record is the newer word.
        byId.delete(record.runId);
        continue;
      }
      byId.set(record.runId, record.info());
    }
    return [...byId.values()].sort(
      (a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0),
    );
  }

  /** Once the stream has ended: the run's outcome, then listeners and retention. */
  async #settle(record: RunRecord): Promise<void> {
    const outcome = await record.handler.then(
      (result) => ({ ok: true, result }),
      (error: unknown) => ({ ok: false, error }),
    );
    record.finish(outcome);
    this.#emit(record);
    this.#retain(record);
  }

  #emit(record: RunRecord): void {
    if (this.#runListeners.size === 0) return;
    const info = record.info();
    for (const listener of [...this.#runListeners]) listener(info);
  }

  /** Keeps the newest `retainRuns` finished runs in memory (journaled ones can be read back). */
  #retain(record: RunRecord): void {
    this.#finished.push(record.runId);
    // A queue with a moving head: `shift()` would move every retained id, per finished run.
    while (this.#finished.length - this.#head > this.retainRuns) {
      const old = this.#finished[this.#head++]!;
      const r = this.#runs.get(old);
      if (r?.done === true) this.#runs.delete(old);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#finished.length) {
      this.#finished = this.#finished.slice(this.#head);
      this.#head = 0;
    }
  }
}

function journalInfo(run: JournalRunInfo, name: string): RunInfo {
  return {
    runId: run.runId,
    workflow: name,
    status: run.status,
    startedAt: run.startedAt,
    updatedAt: run.updatedAt,
  };
}
