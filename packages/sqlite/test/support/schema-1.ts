// A journal file as @eventloom/sqlite 0.1 (schema version 1) wrote it, for the migration tests.
import Database from "better-sqlite3";

/** Version 1's tables, as its schema.ts created them. */
const SCHEMA_1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
CREATE TABLE entries (
  run_id TEXT NOT NULL, seq INTEGER NOT NULL, at REAL NOT NULL, workflow TEXT, status TEXT,
  record TEXT NOT NULL, PRIMARY KEY (run_id, seq)
);
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY NOT NULL, workflow TEXT NOT NULL, status TEXT NOT NULL,
  started_at REAL NOT NULL, updated_at REAL NOT NULL, next_seq INTEGER NOT NULL
);
CREATE INDEX runs_by_start ON runs (started_at DESC, run_id DESC);
CREATE INDEX runs_by_workflow ON runs (workflow, started_at DESC, run_id DESC);
CREATE INDEX runs_by_status ON runs (status, started_at DESC, run_id DESC);
CREATE TABLE claims (run_id TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, expires_at REAL NOT NULL);
INSERT INTO meta VALUES ('eventloom.schema_version', '1');
`;

/**
 * Writes a version-1 journal at `path` holding: run "done" (Orders, 2 entries at 10 and 20,
 * completed), run "live" (Refunds, 1 entry at 30, running, claimed by "p1" until `until`), and a
 * claim by "p1" on run "soon", which has no entry yet.
 */
export function writeSchema1File(path: string, until: number): void {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.exec(SCHEMA_1);
    const entry = db.prepare("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)");
    entry.run("done", 0, 10, "Orders", "running", JSON.stringify({ step: 0 }));
    entry.run("done", 1, 20, null, "completed", JSON.stringify({ step: 1 }));
    entry.run("live", 0, 30, "Refunds", "running", JSON.stringify({ step: 0 }));
    const run = db.prepare("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)");
    run.run("done", "Orders", "completed", 10, 20, 2);
    run.run("live", "Refunds", "running", 30, 30, 1);
    const claim = db.prepare("INSERT INTO claims VALUES (?, ?, ?)");
    claim.run("live", "p1", until);
    claim.run("soon", "p1", until);
  } finally {
    db.close();
  }
}
