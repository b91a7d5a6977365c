/**
 * The schema version of the journal files this package writes (recorded in each file's `meta`
 * table). A file of a higher version was written by a newer `@eventloom/sqlite` and is refused
 * with a `JournalError`, never changed; a file of a lower version is migrated when it opens.
 */
export const SQLITE_SCHEMA_VERSION = 1;
