/**
 * Durable Eventloom runs on SQLite: `sqliteJournal({ path })` is a `Journal` (the contract in
 * `@eventloom/core`) in one file, the embedded default store.
 *
 * ```ts
 * import { sqliteJournal } from "@eventloom/sqlite";
 *
 * const journal = sqliteJournal({ path: ".eventloom/runs.db" });
 * const wf = new OrderWorkflow({ journal }); // every run is journaled
 * ```
 *
 * @packageDocumentation
 */
export { sqliteJournal, type SqliteJournalOptions } from "./sqlite-journal.js";
export { SQLITE_SCHEMA_VERSION } from "./schema-version.js";
