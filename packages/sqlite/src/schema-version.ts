/**
 * The schema version of the journal files this package writes (recorded in each file's `meta`
 * table). A file of a higher version was written by a newer `@eventloom/sqlite` and is refused
 * with a `JournalError`, never changed; a file of a lower version is migrated when it opens.
 *
 * 1: `runs` with updated_at and next_seq moved per entry, three indexes, `claims` apart.
 * 2: `runs` written when a run starts, changes status, is claimed or released; the claim in it.
 */
export const SQLITE_SCHEMA_VERSION = 2;
