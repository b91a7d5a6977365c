// sqliteJournal(): the Journal contract on one SQLite file (better-sqlite3, WAL).
import {
  type Journal,
  JournalConflictError,
  type JournalEntry,
  JournalError,
  type JournalRunFilter,
  type JournalRunInfo,
  type JournalRunStatus,
} from "@eventloom/core";
import { labelOf, messageOf, openDatabase } from "./internal/open-database.js";
import { type EntryRow, type RunRow, prepareStatements } from "./internal/statements.js";

/** Options of {@link sqliteJournal}. */
export interface SqliteJournalOptions {
  /**
   * The database file (its folder is created if missing), or `":memory:"` for a journal that
   * lives as long as this object (tests). One file may be shared by several processes on one
   * host; not on a network file system (SQLite's WAL needs shared memory).
   */
  readonly path: string;
  /**
   * How hard each commit is pushed to disk. `"normal"` (default): WAL with `synchronous=NORMAL`;
   * a power loss or OS crash may lose the last commits, but never corrupts the file, and a
   * process crash (even `kill -9`) loses nothing that was committed. `"full"`: every commit is
   * fsynced before `append` resolves, so nothing committed is lost even to a power cut, at
   * several times the cost per commit.
   */
  readonly synchronous?: "normal" | "full";
  /**
   * How long a write waits for another process's write to end before it fails with a
   * `JournalError` (default 5 000 ms). Writes here are short, so a wait this long means a
   * process holds a write transaction open.
   */
  readonly busyTimeoutMs?: number;
  /**
   * When set, the lease every `claim` takes, in ms, in place of the `ms` the caller asks for
   * (core asks for 10 000 and renews at a third of that). Keep it above the owner's renewal
   * interval, or a live owner's claims lapse between renewals. Unset (default): the caller's `ms`.
   */
  readonly claimMs?: number;
}

/** How many runs' next seq the journal remembers (it forgets them all past this). */
const NEXT_SEQS_KEPT = 10_000;

const STATUSES: readonly JournalRunStatus[] = [
  "running",
  "completed",
  "failed",
  "timed_out",
  "cancelled",
];

/** An entry as it goes into the table (record already JSON text). */
interface Row {
  readonly runId: string;
  readonly seq: number;
  readonly at: number;
  readonly workflow: string | null;
  readonly status: JournalRunStatus | null;
  readonly record: string;
}

/** A write waiting for the next commit, and what to tell its caller. */
interface PendingWrite {
  readonly write: () => unknown;
  /** Several statements that must stand or fall together (an append): run in a savepoint. */
  readonly several: boolean;
  readonly resolve: (value: never) => void;
  readonly reject: (error: unknown) => void;
  readonly what: string;
}

/** What one write of a tick came to. */
interface Outcome {
  readonly ok: boolean;
  readonly value: unknown;
}

/** Thrown out of a tick's transaction when one of its writes failed: the tick is rolled back. */
class WriteFailed {
  constructor(readonly error: unknown) {}
}

/**
 * A durable journal in one SQLite file: the embedded default store for durable runs. WAL mode,
 * tables created on first use, the schema version recorded in the file (a file written by a
 * newer version is refused, never changed; an older one is migrated). Several processes on one host may share the file:
 * `claim` makes sure only one of them drives a run.
 *
 * Writes (`append`, `claim`, `release`) that are called in the same tick share one transaction,
 * so they cost one commit; each still succeeds or fails on its own (when one fails, the tick is
 * run again with each append in a savepoint of its own).
 *
 * Opening happens here, synchronously: a file that cannot be a journal throws `JournalError` at
 * once, naming it.
 *
 * @example
 * import { sqliteJournal } from "@eventloom/sqlite";
 * const journal = sqliteJournal({ path: ".eventloom/runs.db" });
 * const wf = new OrderWorkflow({ journal });
 */
export function sqliteJournal(options: SqliteJournalOptions): Journal {
  const settings = checkOptions(options);
  const label = labelOf(settings.path);
  const db = openDatabase(settings);
  const sql = prepareStatements(db);
  let closed = false;
  let pending: PendingWrite[] = [];

  const failure = (error: unknown, what: string): unknown => {
    if (error instanceof JournalError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "SQLITE_BUSY") {
      return new JournalError(
        `sqliteJournal: ${what} on ${label} waited ${settings.busyTimeoutMs} ms for another process's write to end, and gave up. A process holds a write transaction open: end it, or raise busyTimeoutMs.`,
        { cause: error },
      );
    }
    return new JournalError(`sqliteJournal: ${what} on ${label} failed: ${messageOf(error)}`, {
      cause: error,
    });
  };

  const ensureOpen = (what: string): void => {
    if (closed) {
      throw new JournalError(
        `sqliteJournal: ${what} after close() on ${label}; open a new sqliteJournal to use the file again.`,
      );
    }
  };

  // The next seq of runs this object appended to, so that an append continuing a run needs no
  // read to check that it does. Trusting it is safe because entries are never deleted: when it
  // says n, entry n - 1 is stored, so an append at n leaves no gap, and if another writer stored
  // n meanwhile the (run_id, seq) key refuses it. Noted only for writes that committed.
  const nextSeqs = new Map<string, number>();

  // The writes of one tick in one IMMEDIATE transaction (it takes the write lock before reading
  // anything, so a read-then-write can never be refused midway for a lock another process took).
  // `isolated`: each append in a savepoint of its own (better-sqlite3 nests a transaction
  // function inside another as one) and a failed write rolled back alone; a claim or a release is
  // one statement, which SQLite undoes alone if it fails. Otherwise the first failure throws
  // WriteFailed and rolls the whole tick back.
  const runTick = (batch: readonly PendingWrite[], isolated: boolean): Outcome[] => {
    const outcomes: Outcome[] = [];
    sql.group.immediate(() => {
      for (const item of batch) {
        if (!isolated) {
          try {
            outcomes.push({ ok: true, value: item.write() });
          } catch (error) {
            throw new WriteFailed(error);
          }
          continue;
        }
        try {
          outcomes.push({
            ok: true,
            value: item.several ? sql.savepoint(item.write) : item.write(),
          });
        } catch (error) {
          outcomes.push({ ok: false, value: error });
        }
      }
    });
    return outcomes;
  };

  // One commit for every write of this tick, each succeeding or failing on its own. Writes fail
  // rarely (a conflict, a refused header), so the tick runs first without savepoints (two
  // statements fewer per append); only when a write fails is it rolled back and run again with
  // each write isolated, which gives every write the outcome it would have had alone.
  const commitPending = (): void => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = runTick(batch, false);
    } catch (error) {
      nextSeqs.clear(); // what the rolled-back writes noted is not in the file
      if (error instanceof WriteFailed && batch.length === 1) {
        outcomes = [{ ok: false, value: error.error }];
      } else if (error instanceof WriteFailed) {
        try {
          outcomes = runTick(batch, true);
        } catch (again) {
          nextSeqs.clear();
          for (const item of batch) item.reject(failure(again, item.what));
          return;
        }
      } else {
        for (const item of batch) item.reject(failure(error, item.what));
        return;
      }
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value as never);
      else item.reject(failure(outcome.value, item.what));
    });
  };

  const enqueue = <T>(what: string, write: () => T, several = false): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (pending.length === 0) queueMicrotask(commitPending);
      pending.push({ write, several, resolve: resolve as (value: never) => void, reject, what });
    });

  /** Runs a read after the writes already asked for, so a caller reads what it wrote. */
  const runsOf = ({ workflow, status }: JournalRunFilter): RunRow[] => {
    if (status === "running") {
      return workflow === undefined
        ? sql.runningRuns.all()
        : sql.runningRunsOfWorkflow.all(workflow);
    }
    if (status !== undefined) {
      return workflow === undefined
        ? sql.runsOfStatus.all(status)
        : sql.runsOfWorkflowAndStatus.all(workflow, status);
    }
    return workflow === undefined ? sql.allRuns.all() : sql.runsOfWorkflow.all(workflow);
  };

  const readNow = <T>(what: string, read: () => T): Promise<T> => {
    try {
      ensureOpen(what);
      commitPending();
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(failure(error, what));
    }
  };

  // An append's rows, run by run. The runs row is written only for a header (seq 0) and for an
  // entry that sets a status; a run's other entries are one insert each, as cheap as the entry
  // alone. Which seq a run continues at is checked first (from nextSeqs, else one indexed read),
  // so a conflict throws before this run's rows are written.
  const writeEntries = (rows: readonly Row[]): void => {
    const byRun = new Map<string, Row[]>();
    for (const row of rows) {
      const list = byRun.get(row.runId);
      if (list === undefined) byRun.set(row.runId, [row]);
      else list.push(row);
    }
    const noted: [string, number, JournalRunStatus | null][] = [];
    for (const [runId, list] of byRun) {
      const first = list[0]!;
      let status: JournalRunStatus | null = null;
      list.forEach((row, i) => {
        if (row.seq !== first.seq + i) {
          throw new JournalConflictError(
            runId,
            row.seq,
            row.seq < first.seq + i
              ? "that entry is already stored"
              : `the next entry is ${first.seq + i}`,
          );
        }
        if (row.status !== null) status = row.status;
      });
      if (first.seq === 0) {
        if (first.workflow === null) {
          throw new JournalError(
            `sqliteJournal: the first entry (seq 0) of run ${runId} must name its workflow; nothing of this append was written.`,
          );
        }
        if (sql.putHeader.run(runId, first.workflow, status ?? "running", first.at).changes === 0) {
          throw new JournalConflictError(runId, 0, "that entry is already stored");
        }
      } else {
        if (nextSeqs.get(runId) !== first.seq) {
          const last = sql.lastSeq.get(runId) ?? null;
          const stored = last === null ? 0 : last + 1;
          if (stored !== first.seq) {
            throw new JournalConflictError(
              runId,
              first.seq,
              first.seq < stored ? "that entry is already stored" : `the next entry is ${stored}`,
            );
          }
        }
        if (status !== null) sql.setStatus.run(status, runId);
      }
      for (const row of list) {
        try {
          sql.insertEntry.run(row.runId, row.seq, row.at, row.workflow, row.status, row.record);
        } catch (error) {
          if ((error as { code?: unknown }).code !== "SQLITE_CONSTRAINT_PRIMARYKEY") throw error;
          throw new JournalConflictError(runId, row.seq, "that entry is already stored");
        }
      }
      noted.push([runId, first.seq + list.length, status]);
    }
    // Every run of the append is written: note where each goes on (a run that ended is
    // forgotten, as it gets no more entries from this process).
    if (nextSeqs.size + noted.length > NEXT_SEQS_KEPT) nextSeqs.clear();
    for (const [runId, next, status] of noted) {
      if (status === null || status === "running") nextSeqs.set(runId, next);
      else nextSeqs.delete(runId);
    }
  };

  return {
    claimMs: settings.claimMs,
    // Every write called in one tick is one transaction, in call order (commitPending).
    commitsTickTogether: true,
    append(entries) {
      try {
        ensureOpen("append");
        // Turned into rows now: a caller that changes its objects after calling changes nothing.
        const rows = toRows(entries);
        if (rows.length === 0) return Promise.resolve();
        return enqueue("append", () => writeEntries(rows), true);
      } catch (error) {
        return Promise.reject(failure(error, "append"));
      }
    },

    read(runId) {
      return readNow("read", () => {
        checkText(runId, "read: runId");
        return sql.readEntries.all(runId).map((row) => toEntry(runId, row));
      });
    },

    listRuns(filter?: JournalRunFilter) {
      return readNow("listRuns", () => {
        return runsOf(checkFilter(filter)).map(toRunInfo);
      });
    },

    claim(runId, owner, ms) {
      try {
        ensureOpen("claim");
        checkText(runId, "claim: runId");
        checkText(owner, "claim: owner");
        const lease = settings.claimMs ?? ms;
        if (typeof lease !== "number" || !Number.isFinite(lease) || lease <= 0) {
          throw new JournalError(
            `sqliteJournal: claim: ms must be a positive number of milliseconds, got ${String(ms)}.`,
          );
        }
        return enqueue("claim", () => {
          // Date.now() is read with the write lock held: two processes on one host share the
          // clock, and the second one to get the lock sees the first one's claim.
          const now = Date.now();
          return sql.putClaim.run(runId, owner, now + lease, now).changes === 1;
        });
      } catch (error) {
        return Promise.reject(failure(error, "claim"));
      }
    },

    release(runId, owner) {
      try {
        ensureOpen("release");
        checkText(runId, "release: runId");
        checkText(owner, "release: owner");
        return enqueue("release", () => {
          if (sql.dropClaim.run(runId, owner).changes === 0) sql.dropClaimOnly.run(runId, owner);
        });
      } catch (error) {
        return Promise.reject(failure(error, "release"));
      }
    },

    close() {
      if (closed) return Promise.resolve();
      try {
        commitPending();
      } finally {
        closed = true;
        db.close();
      }
      return Promise.resolve();
    },
  };
}

function checkOptions(options: SqliteJournalOptions): Required<
  Omit<SqliteJournalOptions, "claimMs">
> & {
  readonly claimMs: number | undefined;
} {
  if (typeof options !== "object" || options === null) {
    throw new JournalError(
      'sqliteJournal: pass an options object with a path, e.g. sqliteJournal({ path: ".eventloom/runs.db" }).',
    );
  }
  const { path, synchronous = "normal", busyTimeoutMs = 5_000, claimMs } = options;
  if (typeof path !== "string" || path.trim() === "") {
    throw new JournalError(
      `sqliteJournal: path must name a database file (e.g. ".eventloom/runs.db") or be ":memory:", got ${JSON.stringify(path) ?? String(path)}.`,
    );
  }
  if (synchronous !== "normal" && synchronous !== "full") {
    throw new JournalError(
      `sqliteJournal: synchronous must be "normal" or "full", got ${JSON.stringify(synchronous) ?? String(synchronous)}.`,
    );
  }
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new JournalError(
      `sqliteJournal: busyTimeoutMs must be a whole number of milliseconds >= 0, got ${String(busyTimeoutMs)}.`,
    );
  }
  if (claimMs !== undefined && (!Number.isFinite(claimMs) || claimMs <= 0)) {
    throw new JournalError(
      `sqliteJournal: claimMs must be a positive number of milliseconds (or left out to use what each claim asks for), got ${String(claimMs)}.`,
    );
  }
  return { path, synchronous, busyTimeoutMs, claimMs };
}

/** Checks every entry of an append and turns it into a row, or throws naming the first bad one. */
function toRows(entries: readonly JournalEntry[]): Row[] {
  if (!Array.isArray(entries)) {
    throw new JournalError(
      `sqliteJournal: append takes an array of entries, got ${typeof entries}.`,
    );
  }
  return entries.map((entry, i) => {
    const where = `append: entry ${i}`;
    if (typeof entry !== "object" || entry === null) {
      throw new JournalError(`sqliteJournal: ${where} is not an object.`);
    }
    const { runId, seq, at, workflow, status, record } = entry;
    checkText(runId, `${where}: runId`);
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new JournalError(
        `sqliteJournal: ${where} (run ${runId}): seq must be a whole number >= 0, got ${String(seq)}.`,
      );
    }
    if (typeof at !== "number" || !Number.isFinite(at)) {
      throw new JournalError(
        `sqliteJournal: ${where} (run ${runId}): at must be a time in ms since the epoch, got ${String(at)}.`,
      );
    }
    if (workflow !== undefined) checkText(workflow, `${where} (run ${runId}): workflow`);
    if (status !== undefined && !STATUSES.includes(status)) {
      throw new JournalError(
        `sqliteJournal: ${where} (run ${runId}): status must be one of ${STATUSES.join(", ")}, got ${String(status)}.`,
      );
    }
    let text: string | undefined;
    try {
      text = JSON.stringify(record);
    } catch (error) {
      throw new JournalError(
        `sqliteJournal: ${where} (run ${runId}, seq ${seq}): record cannot be written as JSON: ${messageOf(error)}.`,
        { cause: error },
      );
    }
    if (text === undefined) {
      throw new JournalError(
        `sqliteJournal: ${where} (run ${runId}, seq ${seq}): record must be plain JSON, got ${typeof record}.`,
      );
    }
    return { runId, seq, at, workflow: workflow ?? null, status: status ?? null, record: text };
  });
}

function checkText(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value === "") {
    throw new JournalError(
      `sqliteJournal: ${what} must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}.`,
    );
  }
}

function checkFilter(filter: JournalRunFilter | undefined): JournalRunFilter {
  if (filter === undefined) return {};
  if (typeof filter !== "object" || filter === null) {
    throw new JournalError("sqliteJournal: listRuns takes { workflow?, status? } or nothing.");
  }
  if (filter.workflow !== undefined) checkText(filter.workflow, "listRuns: workflow");
  if (filter.status !== undefined && !STATUSES.includes(filter.status)) {
    throw new JournalError(
      `sqliteJournal: listRuns: status must be one of ${STATUSES.join(", ")}, got ${String(filter.status)}.`,
    );
  }
  return filter;
}

function toEntry(runId: string, row: EntryRow): JournalEntry {
  return {
    runId,
    seq: row.seq,
    at: row.at,
    ...(row.workflow === null ? {} : { workflow: row.workflow }),
    ...(row.status === null ? {} : { status: row.status }),
    record: JSON.parse(row.record) as unknown,
  };
}

function toRunInfo(row: RunRow): JournalRunInfo {
  return {
    runId: row.run_id,
    workflow: row.workflow,
    status: row.status,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  };
}
