// The journal file itself: where it goes, what survives a reopen, and which files are refused
// (left exactly as they were).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { JournalError } from "@eventloom/core";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SQLITE_SCHEMA_VERSION, sqliteJournal } from "@eventloom/sqlite";
import { entries, entry } from "./support/entries.js";
import { writeSchema1File } from "./support/schema-1.js";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();

/** What `fn` throws (it must throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("opening", () => {
  it("creates the file's missing parent folders", async () => {
    const path = join(temp.dir(), "a", "b", "runs.db");
    const journal = sqliteJournal({ path });
    await journal.append([entry("r", 0)]);
    await journal.close();
    expect(existsSync(path)).toBe(true);
  });

  it("keeps every entry, run and claim across a close and a reopen", async () => {
    const path = temp.path();
    const first = sqliteJournal({ path });
    await first.append([...entries("a", 0, 3), entry("b", 0, { at: 5_000 })]);
    await first.append([entry("a", 3, { status: "completed" })]);
    expect(await first.claim("b", "p1", 60_000)).toBe(true);
    await first.close();

    const again = sqliteJournal({ path });
    try {
      expect(await again.read("a")).toEqual([
        ...entries("a", 0, 3),
        entry("a", 3, { status: "completed" }),
      ]);
      expect((await again.listRuns()).map((r) => [r.runId, r.status])).toEqual([
        ["b", "running"],
        ["a", "completed"],
      ]);
      expect(await again.claim("b", "p2", 60_000)).toBe(false);
      await again.append([entry("a", 4)]); // the next seq is known after the reopen
      await expect(again.append([entry("a", 4)])).rejects.toThrow(/already stored/);
    } finally {
      await again.close();
    }
  });

  it("writes the file in WAL mode with the schema version in its meta table", async () => {
    const path = temp.path();
    await sqliteJournal({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.prepare("SELECT key, value FROM meta").all()).toEqual([
        { key: "eventloom.schema_version", value: String(SQLITE_SCHEMA_VERSION) },
      ]);
    } finally {
      db.close();
    }
  });

  it('works in memory for tests with path ":memory:"', async () => {
    const journal = sqliteJournal({ path: ":memory:" });
    await journal.append(entries("r", 0, 2));
    expect(await journal.read("r")).toEqual(entries("r", 0, 2));
    await journal.close();
  });

  it("opens one file from two journal objects, each seeing the other's entries", async () => {
    const path = temp.path();
    const one = sqliteJournal({ path });
    const two = sqliteJournal({ path });
    try {
      await one.append([entry("r", 0)]);
      await two.append([entry("r", 1)]);
      await expect(one.append([entry("r", 1)])).rejects.toThrow(/already stored/);
      expect(await one.read("r")).toEqual(entries("r", 0, 2));
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe("a file of schema version 1", () => {
  it("is migrated when it opens: its runs, entries and claims are all there, and it records the current version", async () => {
    const path = temp.path();
    const until = Date.now() + 60_000;
    writeSchema1File(path, until);
    const journal = sqliteJournal({ path });
    try {
      expect(await journal.listRuns()).toEqual([
        { runId: "live", workflow: "Refunds", status: "running", startedAt: 30, updatedAt: 30 },
        { runId: "done", workflow: "Orders", status: "completed", startedAt: 10, updatedAt: 20 },
      ]);
      expect((await journal.listRuns({ status: "running" })).map((r) => r.runId)).toEqual(["live"]);
      expect((await journal.read("done")).map((e) => [e.seq, e.status, e.record])).toEqual([
        [0, "running", { step: 0 }],
        [1, "completed", { step: 1 }],
      ]);
      // The claims held on the old file still hold, for the run with entries and the one without.
      expect(await journal.claim("live", "p2", 60_000)).toBe(false);
      expect(await journal.claim("soon", "p2", 60_000)).toBe(false);
      expect(await journal.claim("live", "p1", 60_000)).toBe(true);
      await journal.append([entry("live", 1, { at: 40, status: "failed" })]);
      await expect(journal.append([entry("done", 1)])).rejects.toThrow(/already stored/);
      expect((await journal.listRuns({ workflow: "Refunds" }))[0]).toMatchObject({
        status: "failed",
        updatedAt: 40,
      });
    } finally {
      await journal.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare("SELECT value FROM meta").pluck().all()).toEqual([
        String(SQLITE_SCHEMA_VERSION),
      ]);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual(["entries", "meta", "runs"]);
    } finally {
      db.close();
    }
  });
});

describe("refusing a file that is not this journal", () => {
  it("refuses a file written by a newer schema version, naming the file, both versions and the fix, and changes nothing", async () => {
    const path = temp.path();
    await sqliteJournal({ path }).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'eventloom.schema_version'").run(
      String(SQLITE_SCHEMA_VERSION + 1),
    );
    db.close();
    const before = readFileSync(path);

    const error = thrown(() => sqliteJournal({ path }));
    expect(error).toBeInstanceOf(JournalError);
    const message = (error as Error).message;
    expect(message).toContain(resolve(path));
    expect(message).toContain(`schema version ${SQLITE_SCHEMA_VERSION + 1}`);
    expect(message).toContain(`reads version ${SQLITE_SCHEMA_VERSION} at most`);
    expect(message).toMatch(/upgrade @eventloom\/sqlite/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses a file that is not SQLite, naming it, and leaves it byte for byte", () => {
    const path = temp.path("notes.db");
    writeFileSync(path, "these are my notes, not a database\n".repeat(200));
    const before = readFileSync(path);
    const error = thrown(() => sqliteJournal({ path }));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as Error).message).toMatch(/is not a SQLite database/);
    expect((error as Error).message).toContain(resolve(path));
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it("refuses a SQLite file whose pages are damaged, naming it, and leaves it as it was", async () => {
    const path = temp.path();
    const journal = sqliteJournal({ path });
    await journal.append(entries("r", 0, 50));
    await journal.close();
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 100, bytes.length); // keep the header, destroy every page after it
    writeFileSync(path, bytes);

    const error = thrown(() => sqliteJournal({ path }));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as Error).message).toMatch(/cannot be read as a journal/);
    expect((error as Error).message).toContain(resolve(path));
    expect((error as JournalError).cause).toBeInstanceOf(Error);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it("refuses another program's SQLite database, naming its tables, and does not switch it to WAL", () => {
    const path = temp.path("app.db");
    const db = new Database(path);
    db.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')",
    );
    db.close();
    const before = readFileSync(path);

    const error = thrown(() => sqliteJournal({ path }));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as Error).message).toMatch(/another program \(tables: users\).*file of its own/);
    expect(readFileSync(path).equals(before)).toBe(true);
    const check = new Database(path, { readonly: true });
    try {
      expect(check.pragma("journal_mode", { simple: true })).toBe("delete");
    } finally {
      check.close();
    }
  });

  it("refuses a folder as the path", () => {
    const path = temp.dir();
    mkdirSync(join(path, "runs.db"));
    expect(() => sqliteJournal({ path: join(path, "runs.db") })).toThrow(
      /is a folder; path must name a file/,
    );
  });

  it("opens an empty existing file as a new journal", async () => {
    const path = temp.path();
    writeFileSync(path, "");
    const journal = sqliteJournal({ path });
    await journal.append([entry("r", 0)]);
    expect(await journal.read("r")).toEqual([entry("r", 0)]);
    await journal.close();
  });
});

describe("options", () => {
  it.each([
    ["no options", undefined, /pass an options object with a path/],
    ["an empty path", { path: "" }, /path must name a database file/],
    ["a path that is not a string", { path: 3 }, /path must name a database file .* got 3/],
    [
      "an unknown synchronous",
      { path: ":memory:", synchronous: "off" },
      /synchronous must be "normal" or "full", got "off"/,
    ],
    [
      "a negative busyTimeoutMs",
      { path: ":memory:", busyTimeoutMs: -1 },
      /busyTimeoutMs must be a whole number of milliseconds >= 0, got -1/,
    ],
    [
      "a claimMs of 0",
      { path: ":memory:", claimMs: 0 },
      /claimMs must be a positive number of milliseconds/,
    ],
  ])("refuses %s with a JournalError that says what to pass", (_, options, message) => {
    const error = thrown(() => sqliteJournal(options as never));
    expect(error).toBeInstanceOf(JournalError);
    expect((error as Error).message).toMatch(message);
  });

  it('stores and reads back with synchronous "full"', async () => {
    const journal = temp.open({ synchronous: "full" });
    await journal.append(entries("r", 0, 3));
    expect(await journal.read("r")).toEqual(entries("r", 0, 3));
  });
});
