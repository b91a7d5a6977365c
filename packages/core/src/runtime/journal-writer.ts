// Group commit: the checkpoints of every journaled run that changed, in one append per flush.
import { JournalError, RunOwnedError } from "../errors.js";
import type { Journal, JournalEntry } from "../journal.js";

/** A journaled run as the writer sees it. */
export interface JournaledRun {
  readonly runId: string;
  /** True until the run's first checkpoint is written (it claims the run first). */
  readonly isNew: boolean;
  /** Its checkpoint now (the run's state as it is), as the next entry. */
  checkpoint(): JournalEntry;
  /** The checkpoint taken last is durable. */
  committed(): void;
  /** Writing it failed (or the claim was refused): the run cannot go on durably. */
  failed(error: unknown): void;
}

/** How long a claim lasts unless renewed (a dead owner's runs are free after this). */
export const CLAIM_MS = 10_000;

const writers = new WeakMap<Journal, JournalWriter>();

/** The one writer of a journal in this process (runs of every workflow on it share it). */
export function writerFor(journal: Journal): JournalWriter {
  let writer = writers.get(journal);
  if (writer === undefined) writers.set(journal, (writer = new JournalWriter(journal)));
  return writer;
}

// Node's setImmediate runs after the I/O of this turn, so a flush gathers the boundaries of
// every run that moved in it; elsewhere a zero timeout does the same.
const later: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => void globalThis.setTimeout(fn, 0);

export class JournalWriter {
  /** This process's name in claims: unique per writer. */
  readonly owner: string;
  /** The runs this process drives on this journal, by id. */
  readonly live = new Map<string, JournaledRun>();
  private queue: JournaledRun[] = [];
  private flushing = false;
  private scheduled = false;
  private heartbeat: ReturnType<typeof setInterval> | undefined = undefined;

  /** How long each claim lasts: the store's own lease if it sets one, else `CLAIM_MS`. */
  readonly claimMs: number;

  constructor(readonly journal: Journal) {
    const lease = journal.claimMs;
    this.claimMs =
      typeof lease === "number" && Number.isFinite(lease) && lease > 0 ? lease : CLAIM_MS;
    const pid = (globalThis as { process?: { pid?: number } }).process?.pid;
    this.owner = `${pid === undefined ? "browser" : `pid ${pid}`} ${crypto.randomUUID()}`;
  }

  /** A run has changes to make durable: it goes with the next flush. */
  enqueue(run: JournaledRun): void {
    this.queue.push(run);
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      later(() => void this.flush());
    }
  }

  /** A run this process now drives (claimed): its claim is renewed until it is released. */
  adopt(run: JournaledRun): void {
    this.live.set(run.runId, run);
    if (this.heartbeat === undefined) {
      this.heartbeat = globalThis.setInterval(
        () => this.renew(),
        Math.max(1, Math.floor(this.claimMs / 3)),
      );
      (this.heartbeat as { unref?: () => void }).unref?.();
    }
  }

  /** A run has settled durably: its claim goes, so nothing else waits for it to expire. */
  release(run: JournaledRun): void {
    this.live.delete(run.runId);
    this.journal.release(run.runId, this.owner).catch(() => {});
    if (this.live.size === 0 && this.heartbeat !== undefined) {
      globalThis.clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    const claimed = await Promise.all(
      batch.map((run) =>
        run.isNew
          ? this.journal.claim(run.runId, this.owner, this.claimMs).then(
              (ok) => ok || (run.failed(new RunOwnedError(run.runId)), false),
              (error: unknown) => (run.failed(error), false),
            )
          : true,
      ),
    );
    const runs: JournaledRun[] = [];
    const entries: JournalEntry[] = [];
    batch.forEach((run, i) => {
      if (!claimed[i]) return;
      try {
        entries.push(run.checkpoint());
        runs.push(run);
      } catch (error) {
        run.failed(error);
      }
    });
    try {
      if (entries.length > 0) await this.journal.append(entries);
      for (const run of runs) run.committed();
    } catch (error) {
      const failure =
        error instanceof JournalError
          ? error
          : new JournalError(`Writing to the journal failed: ${String(error)}`, { cause: error });
      for (const run of runs) run.failed(failure);
    }
    this.flushing = false;
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      later(() => void this.flush());
    }
  }

  private renew(): void {
    for (const run of this.live.values()) {
      this.journal.claim(run.runId, this.owner, this.claimMs).then(
        (ok) => {
          if (!ok)
            run.failed(new RunOwnedError(run.runId, " (its claim expired and was taken over)"));
        },
        () => {},
      );
    }
  }
}
