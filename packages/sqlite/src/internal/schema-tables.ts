// The tables of a journal file at the current schema version (2), as SQL.

// `entries` keeps its rowid: records can be large, and SQLite advises rowid tables for rows that
// big; the primary key (run_id, seq) is then a unique index, which is what refuses a second entry
// at one seq even if a writer skipped the check.
export const ENTRIES_TABLE = `CREATE TABLE IF NOT EXISTS entries (
  run_id   TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  at       REAL NOT NULL,
  workflow TEXT,
  status   TEXT,
  record   TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
)`;

/**
 * One row per run, written only when the run starts, changes status, is claimed or released:
 * a step's entry touches `entries` alone (every page a commit dirties is a WAL frame, and the
 * frames are what a commit and its checkpoint cost). A run's newest `at` is its last entry's, read
 * when listing. A claim lives in the row because a run is claimed in the commit of its header;
 * a run claimed before its first entry has a row with `workflow` NULL, which no listing shows.
 * A rowid table: new rows go to the table's last page, and a tick's status changes then touch
 * the few pages of the runs that started together.
 */
export function runsTable(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  run_id     TEXT PRIMARY KEY NOT NULL,
  workflow   TEXT,
  status     TEXT,
  started_at REAL,
  owner      TEXT,
  expires_at REAL
)`;
}

/**
 * The one index besides the keys: the running runs by workflow, what `recover()` lists when a
 * process starts (listing a workflow's running runs reads only them). It holds only running
 * runs, so it stays a few pages however long the journal gets. The other listings read the
 * whole table: they return most of it anyway, and an index per filter cost a page per commit.
 */
export const RUNNING_INDEX = `CREATE INDEX IF NOT EXISTS runs_running ON runs (workflow) WHERE status = 'running'`;

export const META_TABLE = `CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
)`;
