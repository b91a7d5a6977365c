// Opening a journal file: refuse what is not ours before anything is written to it.
import { closeSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { JournalError } from "@eventloom/core";
import Database from "better-sqlite3";
import { SQLITE_SCHEMA_VERSION } from "../schema-version.js";
import { ensureSchema, foreignFile, inspect, newerSchema } from "./schema.js";

/** How an opened journal file is set up. */
export interface OpenSettings {
  readonly path: string;
  readonly synchronous: "normal" | "full";
  readonly busyTimeoutMs: number;
}

const SQLITE_HEADER = "SQLite format 3\0";

/** `path` as messages name it: `:memory:` as it is, a file by its absolute path. */
export function labelOf(path: string): string {
  return path === ":memory:" ? "the in-memory database" : `the file ${resolve(path)}`;
}

/**
 * Opens (or creates) the journal at `settings.path`, in WAL mode with the tables in place. A
 * file that is not SQLite, holds another program's tables or a newer schema is refused with a
 * `JournalError` naming it, and is left exactly as it was.
 */
export function openDatabase(settings: OpenSettings): Database.Database {
  const { path } = settings;
  const label = labelOf(path);
  if (path !== ":memory:") prepareFile(path, label);

  let db: Database.Database;
  try {
    db = new Database(path, { timeout: settings.busyTimeoutMs });
  } catch (error) {
    throw new JournalError(
      `sqliteJournal: cannot open ${label}: ${messageOf(error)}. Check that the path is a file this process may read and write.`,
      { cause: error },
    );
  }
  try {
    // Look first, write after: a foreign or newer file must not be touched, and switching to
    // WAL is already a write (it is recorded in the file's header).
    const found = inspect(db);
    if (found.kind === "foreign") throw foreignFile(label, found.tables);
    if (found.kind === "journal" && found.version > SQLITE_SCHEMA_VERSION) {
      throw newerSchema(label, found.version);
    }
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${settings.synchronous === "full" ? "FULL" : "NORMAL"}`);
    ensureSchema(db, label);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof JournalError) throw error;
    throw new JournalError(
      `sqliteJournal: ${label} cannot be read as a journal: ${messageOf(error)}. The file is damaged or not a SQLite database; move it aside (or restore a backup) and open a new path. Nothing in it was changed.`,
      { cause: error },
    );
  }
}

/** Creates the parent folder; refuses an existing non-empty file that is not SQLite at all. */
function prepareFile(path: string, label: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
  } catch (error) {
    throw new JournalError(
      `sqliteJournal: cannot create the folder of ${label}: ${messageOf(error)}. Create it, or choose a path this process may write.`,
      { cause: error },
    );
  }
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      throw new JournalError(
        `sqliteJournal: ${label} is a folder; path must name a file (e.g. ${path}/runs.db).`,
      );
    }
    size = stat.size;
  } catch (error) {
    if (error instanceof JournalError) throw error;
    return; // no file yet: SQLite creates it
  }
  if (size === 0) return; // an empty file is an empty database to SQLite
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (header.toString("latin1") !== SQLITE_HEADER) {
    throw new JournalError(
      `sqliteJournal: ${label} is not a SQLite database (its first bytes are not "SQLite format 3"). Give the journal a file of its own (a new path); nothing in this file was changed.`,
    );
  }
}

/** The message of a thrown value, for the sentence around it. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
