// The runs a server knows: the runs it drives, the finished ones it retains (as their outcome and
// stream, not their handler), and runs read back from the journal (after a restart) on demand.
import {
  type Journal,
  type JournalRunFilter,
  type JournalRunInfo,
  type JournalRunStatus,
  RunOwnedError,
  type WorkflowHandler,
} from "@eventloom/core";
import type { RunInfo } from "../run-info.js";
import { type StepCounts, endedWithCounts, stepsSummary } from "../steps-summary.js";
import { FinishedRun } from "./finished-run.js";
import { LiveRun } from "./live-run.js";
import type { ServedWorkflow } from "./served-workflow.js";

/** A run the server holds in memory: one it drives, or a finished one it retains. */
export type HeldRun = LiveRun | FinishedRun;

/** A journaled run that another live process drives: known, but not served from here. */
export interface ForeignRun {
  readonly foreign: true;
  readonly served: ServedWorkflow;
  readonly info: RunInfo;
}

export class RunRegistry {
  readonly #runs = new Map<string, HeldRun>();
  /** Ids of finished runs in the order they finished, for `retainRuns`; the oldest at `#head`. */
  #finished: string[] = [];
  #head = 0;
  readonly #loading = new Map<string, Promise<HeldRun | ForeignRun | undefined>>();
  readonly #runListeners = new Set<(info: RunInfo) => void>();
  /** Per workflow, the step counts of the run that finished last, for the next to share. */
  readonly #lastSteps = new Map<ServedWorkflow, readonly StepCounts[]>();

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
  started(served: ServedWorkflow, handler: WorkflowHandler<unknown>): LiveRun {
    const record = new LiveRun(served, handler, Date.now());
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
  ): Promise<LiveRun> {
    // Core reads the stream position a replay starts from when the run has been loaded.
    await handler.whenLoaded();
    const record = new LiveRun(served, handler, startedAt);
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
  get(runId: string): HeldRun | undefined {
    return this.#runs.get(runId);
  }

  /**
   * The run in memory, or read back from a journal (resumed here when unfinished and free);
   * a `ForeignRun` when another live process drives it; undefined when nobody knows it.
   */
  find(runId: string): Promise<HeldRun | ForeignRun | undefined> {
    const known = this.#runs.get(runId);
    if (known !== undefined) return Promise.resolve(known);
    let loading = this.#loading.get(runId);
    if (loading === undefined) {
      loading = this.#load(runId).finally(() => this.#loading.delete(runId));
      this.#loading.set(runId, loading);
    }
    return loading;
  }

  async #load(runId: string): Promise<HeldRun | ForeignRun | undefined> {
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
  async #settle(record: LiveRun): Promise<void> {
    const outcome = await record.handler.then(
      (result) => ({ ok: true, result }),
      (error: unknown) => ({ ok: false, error }),
    );
    record.finish(outcome);
    this.#emit(record);
    this.#retain(record);
  }

  /** A finished run's step counts: the previous run's of its workflow when they are the same. */
  #finishedSteps(record: LiveRun): readonly StepCounts[] {
    const last = this.#lastSteps.get(record.served);
    if (last !== undefined && endedWithCounts(record, last)) return last;
    const steps = stepsSummary(record).steps;
    this.#lastSteps.set(record.served, steps);
    return steps;
  }

  #emit(record: HeldRun): void {
    if (this.#runListeners.size === 0) return;
    const info = record.info();
    for (const listener of [...this.#runListeners]) listener(info);
  }

  /**
   * Keeps the newest `retainRuns` finished runs in memory (journaled ones can be read back), each
   * as a FinishedRun: routes that hold the live record (a stream still being sent) keep it, and
   * its handler, only while they do.
   */
  #retain(record: LiveRun): void {
    if (this.retainRuns > 0 && this.#runs.get(record.runId) === record) {
      this.#runs.set(record.runId, new FinishedRun(record, this.#finishedSteps(record)));
    }
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
