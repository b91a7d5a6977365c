/**
 * The version of the tables this `@eventloom/postgres` writes. A schema recorded with a higher
 * version was written by a newer release and is refused, never changed.
 */
export const POSTGRES_SCHEMA_VERSION = 3;
