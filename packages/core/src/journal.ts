// The Journal contract: where durable runs keep their records. Stores implement it; core writes
// and folds the records, and a store never looks inside one.

/** A run's status as a journal lists it. */
export type JournalRunStatus = "running" | "completed" | "failed" | "timed_out" | "cancelled";

/**
 * One journal entry. The store reads only the envelope (`runId`, `seq`, `at`, `workflow`,
 * `status`); `record` is core's own plain-JSON record, stored and returned as it is.
 */
export interface JournalEntry {
  /** The run this entry belongs to. */
  readonly runId: string;
  /** 0, 1, 2, … per run, without gaps: the order of the run's entries. */
  readonly seq: number;
  /** When the entry was made, in ms since the epoch. */
  readonly at: number;
  /** Set on a run's first entry (seq 0): the workflow's name. */
  readonly workflow?: string;
  /** Set on the entries that change the run's status: "running" on seq 0, the end status last. */
  readonly status?: JournalRunStatus;
  /** Core's record: plain JSON (objects, arrays, strings, finite numbers, booleans, null). */
  readonly record: unknown;
}

/** A run as `listRuns` gives it. */
export interface JournalRunInfo {
  readonly runId: string;
  readonly workflow: string;
  readonly status: JournalRunStatus;
  /** `at` of the run's first entry (ms since the epoch). */
  readonly startedAt: number;
  /** `at` of the run's newest entry (ms since the epoch). */
  readonly updatedAt: number;
}

/** What `listRuns` filters on; both optional. */
export interface JournalRunFilter {
  readonly workflow?: string;
  readonly status?: JournalRunStatus;
}

/**
 * Durable storage for runs. Implementations: `memoryJournal()` (core, the reference),
 * `sqliteJournal()` (`@eventloom/sqlite`), `postgresJournal()` (`@eventloom/postgres`). Every one
 * passes `journalConformance` from `@eventloom/testing/journal`.
 *
 * Rules every store keeps:
 * - `append` is atomic and durable: when it resolves, every entry is stored and will be read back
 *   after a crash; when it rejects, none is. One call may hold entries of many runs (group commit).
 * - Entries of one run have consecutive `seq` from 0. An entry whose `(runId, seq)` is already
 *   stored, or whose `seq` is not the run's next, makes the whole `append` reject with a
 *   `JournalConflictError` (two writers of one run can never interleave silently).
 * - `read(runId)` gives the run's entries in `seq` order (`[]` for a run it does not know), each
 *   `record` equal (as JSON) to what was appended.
 * - `listRuns` lists newest first (by `startedAt`, then `runId`); `status` is the last `status`
 *   any entry of the run set.
 * - `claim(runId, owner, ms)` gives `owner` the run for `ms` milliseconds from now and resolves
 *   `true`; it resolves `false` while another owner's claim has not expired. A claim by the same
 *   owner renews it. A run may be claimed before its first entry is appended (a new run is
 *   claimed, then its header written). `release(runId, owner)` ends `owner`'s claim (nothing if it holds none).
 * - `close()` releases the store's resources; calls after it reject.
 */
export interface Journal {
  append(entries: readonly JournalEntry[]): Promise<void>;
  read(runId: string): Promise<JournalEntry[]>;
  listRuns(filter?: JournalRunFilter): Promise<JournalRunInfo[]>;
  claim(runId: string, owner: string, ms: number): Promise<boolean>;
  release(runId: string, owner: string): Promise<void>;
  close(): Promise<void>;
  /**
   * The lease the store grants whatever a claim asks for, if it sets one (`claimMs` of
   * `sqliteJournal` and `postgresJournal`): core then renews claims at a third of it.
   */
  readonly claimMs?: number | undefined;
  /**
   * True when the store commits the calls made in one tick together, as one transaction, in
   * the order they were made, each still succeeding or failing on its own (`sqliteJournal`).
   * Core then claims a new run and writes its header in one commit, and writes a run's last
   * entry and releases its claim in one commit: two commits fewer per run.
   */
  readonly commitsTickTogether?: boolean | undefined;
}
