// Creating (or migrating) a journal file's tables, and the check that decides whether a file is ours.
import { JournalError } from "@eventloom/core";
import type Database from "better-sqlite3";
import { SQLITE_SCHEMA_VERSION as SCHEMA_VERSION } from "../schema-version.js";
import { migrateFrom1 } from "./migrate-from-1.js";
import { ENTRIES_TABLE, META_TABLE, RUNNING_INDEX, runsTable } from "./schema-tables.js";

/** The `meta` key that names the schema version (its presence marks the file as a journal). */
const VERSION_KEY = "eventloom.schema_version";

const CREATE = [META_TABLE, ENTRIES_TABLE, runsTable("runs"), RUNNING_INDEX].join(";\n");

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
 * Creates the tables (if missing), or migrates an older version's, and records the version, in
 * one IMMEDIATE transaction, so two processes opening a file at once agree (the second finds it
 * done). Throws if the file turned out to hold a newer version by the time the lock was held.
 */
export function ensureSchema(db: Database.Database, label: string): void {
  db.transaction(() => {
    const found = inspect(db);
    if (found.kind === "foreign") throw foreignFile(label, found.tables);
    if (found.kind === "journal") {
      if (found.version > SCHEMA_VERSION) throw newerSchema(label, found.version);
      if (found.version === SCHEMA_VERSION) return;
      // Forward only, one version at a time (1 is the only older one).
      migrateFrom1(db);
      db.prepare("UPDATE meta SET value = ? WHERE key = ?").run(
        String(SCHEMA_VERSION),
        VERSION_KEY,
      );
      return;
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
