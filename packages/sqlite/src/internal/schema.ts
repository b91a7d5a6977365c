// The tables of a journal file, and the check that decides whether an existing file is ours.
import { JournalError } from "@eventloom/core";
import type Database from "better-sqlite3";
import { SQLITE_SCHEMA_VERSION as SCHEMA_VERSION } from "../schema-version.js";

/** The `meta` key that names the schema version (its presence marks the file as a journal). */
const VERSION_KEY = "eventloom.schema_version";

// `entries` keeps its rowid: records can be large, and SQLite advises rowid tables for rows that
// big; the primary key (run_id, seq) is then a unique index, which is what refuses a second entry
// at one seq even if a writer skipped the check. `runs` holds what listRuns gives, so that is one
// query on one index; `claims` lives apart from `runs` because a run is claimed before its first
// entry exists.
const CREATE = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  run_id   TEXT NOT NULL,
  seq      INTEGER NOT NULL,
  at       REAL NOT NULL,
  workflow TEXT,
  status   TEXT,
  record   TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS runs (
  run_id     TEXT PRIMARY KEY NOT NULL,
  workflow   TEXT NOT NULL,
  status     TEXT NOT NULL,
  started_at REAL NOT NULL,
  updated_at REAL NOT NULL,
  next_seq   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (started_at DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_workflow ON runs (workflow, started_at DESC, run_id DESC);
CREATE INDEX IF NOT EXISTS runs_by_status ON runs (status, started_at DESC, run_id DESC);
CREATE TABLE IF NOT EXISTS claims (
  run_id     TEXT PRIMARY KEY NOT NULL,
  owner      TEXT NOT NULL,
  expires_at REAL NOT NULL
);
`;

/** What an opened file holds, before anything is written to it. */
export type FileKind =
  | { readonly kind: "empty" }
  | { readonly kind: "journal"; readonly version: number }
  | { readonly kind: "foreign"; readonly tables: readonly string[] };

/** Looks at the file's tables without writing anything. */
export function inspect(db: Database.Database): FileKind {
  const tables = (
    db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((row) => row.name);
  if (tables.length === 0) return { kind: "empty" };
  if (!tables.includes("meta")) return { kind: "foreign", tables };
  const version = storedVersion(db);
  return version === undefined ? { kind: "foreign", tables } : { kind: "journal", version };
}

function storedVersion(db: Database.Database): number | undefined {
  let row: { value: unknown } | undefined;
  try {
    row = db
      .prepare<[string], { value: unknown }>("SELECT value FROM meta WHERE key = ?")
      .get(VERSION_KEY);
  } catch {
    return undefined; // a `meta` table of another shape: not ours
  }
  if (row === undefined) return undefined;
  const version = Number(row.value);
  return Number.isSafeInteger(version) && version > 0 ? version : undefined;
}

/**
 * Creates the tables (if missing) and records the version, in one IMMEDIATE transaction, so two
 * processes opening a new file at once agree. Throws if the file turned out to hold a newer
 * version by the time the lock was held.
 */
export function ensureSchema(db: Database.Database, label: string): void {
  db.transaction(() => {
    const found = inspect(db);
    if (found.kind === "foreign") throw foreignFile(label, found.tables);
    if (found.kind === "journal") {
      if (found.version > SCHEMA_VERSION) throw newerSchema(label, found.version);
      return; // SCHEMA_VERSION is 1: no older version to migrate from yet
    }
    db.exec(CREATE);
    db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)").run(
      VERSION_KEY,
      String(SCHEMA_VERSION),
    );
  }).immediate();
}

/** The file holds a journal of a newer schema version than this package reads. */
export function newerSchema(label: string, version: number): JournalError {
  return new JournalError(
    `sqliteJournal: ${label} holds a journal of schema version ${version}, but this @eventloom/sqlite reads version ${SCHEMA_VERSION} at most. It was written by a newer @eventloom/sqlite: upgrade @eventloom/sqlite in this program (nothing in the file was changed).`,
  );
}

/** The file is SQLite but holds another program's tables. */
export function foreignFile(label: string, tables: readonly string[]): JournalError {
  const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? ", …" : "");
  return new JournalError(
    `sqliteJournal: ${label} is a SQLite database of another program (tables: ${shown}), not an Eventloom journal. Give the journal a file of its own (a new path); nothing in this file was changed.`,
  );
}
