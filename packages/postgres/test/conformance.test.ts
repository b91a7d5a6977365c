// The Journal conformance suite (@eventloom/testing/journal) on a real PostgreSQL: each test on
// a schema of its own, dropped after it. Without a reachable server the tests report themselves
// skipped with the reason; under CI=true they fail.
import { journalConformance } from "@eventloom/testing/journal";
import { usePostgres } from "./support/postgres.js";

const db = usePostgres();

journalConformance("postgresJournal", () => db.journal());
