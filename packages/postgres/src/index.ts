export {
  postgresJournal,
  type PostgresJournalOptions,
  type PostgresJournalSource,
  type PostgresRetryOptions,
} from "./postgres-journal.js";
export { POSTGRES_SCHEMA_VERSION } from "./schema-version.js";
