// Schema 1 -> 2: the runs and claims tables become one runs table of the version-2 shape.
import type Database from "better-sqlite3";
import { RUNNING_INDEX, runsTable } from "./schema-tables.js";

/**
 * Moves a version-1 file's `runs` and `claims` into the version-2 `runs` table (a claimed run
 * keeps its owner and expiry; a claim on a run without entries becomes a row holding only the
 * claim) and drops what version 1 had besides (its three indexes go with its table). Entries are
 * not touched. Called inside the IMMEDIATE transaction that records the new version, so a crash
 * midway leaves version 1 as it was.
 */
export function migrateFrom1(db: Database.Database): void {
  db.exec(`
${runsTable("runs_v2")};
INSERT INTO runs_v2 (run_id, workflow, status, started_at, owner, expires_at)
  SELECT r.run_id, r.workflow, r.status, r.started_at, c.owner, c.expires_at
  FROM runs r LEFT JOIN claims c ON c.run_id = r.run_id;
INSERT INTO runs_v2 (run_id, owner, expires_at)
  SELECT c.run_id, c.owner, c.expires_at FROM claims c
  WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = c.run_id);
DROP TABLE runs;
DROP TABLE claims;
ALTER TABLE runs_v2 RENAME TO runs;
${RUNNING_INDEX};
`);
}
