// The Journal conformance suite (@eventloom/testing/journal) on SQLite: a new file per test, in
// a temp folder removed after it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteJournal } from "@eventloom/sqlite";
import { journalConformance } from "@eventloom/testing/journal";
import { onTestFinished } from "vitest";

journalConformance("sqliteJournal", () => {
  const dir = mkdtempSync(join(tmpdir(), "eventloom-conformance-"));
  const journal = sqliteJournal({ path: join(dir, "runs.db") });
  // Registered before the suite's own close, so it runs after it (last registered runs first).
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return journal;
});
