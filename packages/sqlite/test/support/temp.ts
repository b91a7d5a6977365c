// A temp folder per test, removed after it (every journal opened in it closed first).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Journal } from "@eventloom/core";
import { afterEach } from "vitest";
import { sqliteJournal, type SqliteJournalOptions } from "@eventloom/sqlite";

/**
 * Call once per test file: `temp.path()` gives a new file path in a folder of this test,
 * `temp.open()` opens a journal there; both are cleaned up after each test.
 */
export function useTempJournals() {
  let dirs: string[] = [];
  let open: Journal[] = [];
  afterEach(async () => {
    await Promise.all(open.map((j) => j.close()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
    open = [];
  });
  const temp = {
    /** A new folder, removed after the test. */
    dir(): string {
      const dir = mkdtempSync(join(tmpdir(), "eventloom-sqlite-"));
      dirs.push(dir);
      return dir;
    },
    /** A path for a journal file that does not exist yet. */
    path(name = "runs.db"): string {
      return join(temp.dir(), name);
    },
    /** A journal on `path` (default a new file), closed after the test. */
    open(options: Partial<SqliteJournalOptions> = {}): Journal {
      const journal = sqliteJournal({ path: temp.path(), ...options });
      open.push(journal);
      return journal;
    },
  };
  return temp;
}
