// Group commit: the checkpoints of every journaled run that changed, in one append per flush.
import { JournalError, RunOwnedError } from "../errors.js";
import type { Journal, JournalEntry } from "../journal.js";

/** A journaled run as the writer sees it. */
export interface JournaledRun {
  readonly runId: string;
  /** True until the run's first checkpoint is written (it claims the run first). */
  readonly isNew: boolean;
  /** Its id was made up in this process, so no other owner can hold a claim on it. */
  readonly freshId: boolean;
  /** The checkpoint taken last is the run's end (it is released once that is durable). */
  readonly lastTaken: boolean;
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
  /** Runs whose release went with their last entry (a store that commits a tick together). */
  private readonly releasedWithEnd = new Set<string>();

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
    if (!this.releasedWithEnd.delete(run.runId)) {
      this.journal.release(run.runId, this.owner).catch(() => {});
    }
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
    const together = this.journal.commitsTickTogether === true;
    // A new run is claimed before its header is written. On a store that commits one tick's
    // calls together, in order, a run whose id was made up here is claimed and written in one
    // commit (no other owner can hold that id); any other new run waits for its claim.
    const now: JournaledRun[] = [];
    const nowClaims: (Promise<boolean> | undefined)[] = [];
    const claiming: { run: JournaledRun; claim: Promise<boolean> }[] = [];
    for (const run of batch) {
      if (!run.isNew) {
        now.push(run);
        nowClaims.push(undefined);
      } else if (together && run.freshId) {
        now.push(run);
        nowClaims.push(this.claim(run));
      } else {
        claiming.push({ run, claim: this.claim(run) });
      }
    }
    const written = this.write(now, nowClaims, together);
    if (claiming.length > 0) {
      const claimed = await Promise.all(
        claiming.map(({ run, claim }) =>
          claim.then(
            (ok) => ok || (run.failed(new RunOwnedError(run.runId)), false),
            (error: unknown) => (run.failed(error), false),
          ),
        ),
      );
      const runs = claiming.filter((_, i) => claimed[i]).map(({ run }) => run);
      await this.write(runs, [], together);
    }
    await written;
    this.flushing = false;
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      later(() => void this.flush());
    }
  }

  private claim(run: JournaledRun): Promise<boolean> {
    return this.journal.claim(run.runId, this.owner, this.claimMs);
  }

  /**
   * Appends the checkpoints of `runs` in one call; `claims[i]`, when set, is the claim of
   * `runs[i]` made in this same tick. On a store that commits a tick together, a run's last
   * entry and its release go in one commit too (the release after the entry).
   */
  private async write(
    runs: readonly JournaledRun[],
    claims: readonly (Promise<boolean> | undefined)[],
    together: boolean,
  ): Promise<void> {
    const taken: JournaledRun[] = [];
    const takenClaims: (Promise<boolean> | boolean)[] = [];
    const entries: JournalEntry[] = [];
    runs.forEach((run, i) => {
      try {
        entries.push(run.checkpoint());
        taken.push(run);
        takenClaims.push(claims[i] ?? true);
      } catch (error) {
        run.failed(error);
      }
    });
    if (entries.length === 0) return;
    const appended = this.journal.append(entries);
    if (together) {
      for (const run of taken) {
        if (!run.lastTaken) continue;
        this.releasedWithEnd.add(run.runId);
        this.journal.release(run.runId, this.owner).catch(() => {});
      }
    }
    try {
      const [owned] = await Promise.all([Promise.all(takenClaims), appended]);
      taken.forEach((run, i) =>
        owned[i] ? run.committed() : run.failed(new RunOwnedError(run.runId)),
      );
    } catch (error) {
      const failure =
        error instanceof JournalError
          ? error
          : new JournalError(`Writing to the journal failed: ${String(error)}`, { cause: error });
      for (const run of taken) run.failed(failure);
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
