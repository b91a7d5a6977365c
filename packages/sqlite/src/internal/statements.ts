// Every SQL statement the journal runs, prepared once when it opens.
import type { JournalRunStatus } from "@eventloom/core";
import type Database from "better-sqlite3";

/** A run as the listing queries give it. */
export interface RunRow {
  run_id: string;
  workflow: string;
  status: JournalRunStatus;
  started_at: number;
  updated_at: number;
}

/** An entry as `readEntries` gives it. */
export interface EntryRow {
  seq: number;
  at: number;
  workflow: string | null;
  status: JournalRunStatus | null;
  record: string;
}

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** The journal's statements (named after what they do), and its two transaction wrappers. */
export interface Statements {
  readonly group: Database.Transaction<(fn: () => void) => void>;
  readonly savepoint: Database.Transaction<(fn: () => unknown) => unknown>;
  readonly lastSeq: Statement<[string], number | null>;
  readonly insertEntry: Statement<[string, number, number, string | null, string | null, string]>;
  readonly putHeader: Statement<[string, string, string, number]>;
  readonly setStatus: Statement<[string, string]>;
  readonly readEntries: Statement<[string], EntryRow>;
  readonly allRuns: Statement<[], RunRow>;
  readonly runsOfWorkflow: Statement<[string], RunRow>;
  readonly runsOfStatus: Statement<[string], RunRow>;
  readonly runsOfWorkflowAndStatus: Statement<[string, string], RunRow>;
  readonly runningRuns: Statement<[], RunRow>;
  readonly runningRunsOfWorkflow: Statement<[string], RunRow>;
  readonly putClaim: Statement<[string, string, number, number]>;
  readonly dropClaim: Statement<[string, string]>;
  readonly dropClaimOnly: Statement<[string, string]>;
}

/** Prepares the journal's statements on `db` (a file at the current schema version). */
export function prepareStatements(db: Database.Database): Statements {
  // A run's newest `at` is its last entry's: one step down the (run_id, seq) key per listed run,
  // so that appending an entry never has to touch the runs row.
  const runColumns =
    "r.run_id, r.workflow, r.status, r.started_at, (SELECT e.at FROM entries e WHERE e.run_id = r.run_id ORDER BY e.seq DESC LIMIT 1) AS updated_at";
  const newestFirst = "ORDER BY r.started_at DESC, r.run_id DESC";
  return {
    group: db.transaction((fn: () => void) => fn()),
    savepoint: db.transaction((fn: () => unknown) => fn()),
    lastSeq: db
      .prepare<[string], number | null>("SELECT max(seq) FROM entries WHERE run_id = ?")
      .pluck(),
    insertEntry: db.prepare<[string, number, number, string | null, string | null, string]>(
      "INSERT INTO entries (run_id, seq, at, workflow, status, record) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    // A run's header: a new row, or the row of its claim filled in (`changes` is 0 when the
    // run already has a header).
    putHeader: db.prepare<[string, string, string, number]>(
      "INSERT INTO runs (run_id, workflow, status, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET workflow = excluded.workflow, status = excluded.status, started_at = excluded.started_at WHERE runs.workflow IS NULL",
    ),
    setStatus: db.prepare<[string, string]>("UPDATE runs SET status = ? WHERE run_id = ?"),
    readEntries: db.prepare<[string], EntryRow>(
      "SELECT seq, at, workflow, status, record FROM entries WHERE run_id = ? ORDER BY seq",
    ),
    allRuns: db.prepare<[], RunRow>(
      `SELECT ${runColumns} FROM runs r WHERE r.workflow IS NOT NULL ${newestFirst}`,
    ),
    runsOfWorkflow: db.prepare<[string], RunRow>(
      `SELECT ${runColumns} FROM runs r WHERE r.workflow = ? ${newestFirst}`,
    ),
    runsOfStatus: db.prepare<[string], RunRow>(
      `SELECT ${runColumns} FROM runs r WHERE r.status = ? ${newestFirst}`,
    ),
    runsOfWorkflowAndStatus: db.prepare<[string, string], RunRow>(
      `SELECT ${runColumns} FROM runs r WHERE r.workflow = ? AND r.status = ? ${newestFirst}`,
    ),
    // 'running' written out, so that SQLite sees the partial index applies.
    runningRuns: db.prepare<[], RunRow>(
      `SELECT ${runColumns} FROM runs r WHERE r.status = 'running' ${newestFirst}`,
    ),
    runningRunsOfWorkflow: db.prepare<[string], RunRow>(
      `SELECT ${runColumns} FROM runs r WHERE r.workflow = ? AND r.status = 'running' ${newestFirst}`,
    ),
    // A claim in one statement: a new row, or the run's row taken when it holds no claim, this
    // owner's, or one whose lease has run out (`changes` is 0 when the WHERE refuses).
    putClaim: db.prepare<[string, string, number, number]>(
      "INSERT INTO runs (run_id, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at WHERE runs.owner IS NULL OR runs.owner = excluded.owner OR runs.expires_at <= ?",
    ),
    dropClaim: db.prepare<[string, string]>(
      "UPDATE runs SET owner = NULL, expires_at = NULL WHERE run_id = ? AND owner = ? AND workflow IS NOT NULL",
    ),
    // The row of a claim whose run never got a header goes with the claim.
    dropClaimOnly: db.prepare<[string, string]>(
      "DELETE FROM runs WHERE run_id = ? AND owner = ? AND workflow IS NULL",
    ),
  };
}
