// Several real processes on one journal file: claims and appends race, a writer is killed with
// SIGKILL mid-stream, a writer waits for another's lock (busyTimeoutMs).
import { JournalConflictError, JournalError } from "@eventloom/core";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { type Child, startChild } from "./support/child.js";
import { entry, streamRecord } from "./support/entries.js";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();
let children: Child[] = [];
afterEach(async () => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
  children = [];
});

function child(mode: string, ...args: string[]): Child {
  const started = startChild(mode, ...args);
  children.push(started);
  return started;
}

/** Starts two racing children, lets them go at once, and gives back what each printed last. */
async function race<T>(mode: string, path: string, count: number): Promise<[T, T]> {
  const racers = [child(mode, path, "one", String(count)), child(mode, path, "two", String(count))];
  await Promise.all(racers.map((c) => c.line((l) => l === "ready")));
  for (const racer of racers) racer.send("go");
  const results = await Promise.all(
    racers.map(async (racer) => JSON.parse(await racer.line((l) => l.startsWith("{"))) as T),
  );
  expect(await Promise.all(racers.map((racer) => racer.exited))).toEqual([0, 0]);
  return results as [T, T];
}

describe("two processes on one file", () => {
  it("never both win a claim: each of 1 000 runs is won by exactly one of two racing processes", async () => {
    const path = temp.path();
    await sqliteJournal({ path }).close(); // the file exists before the race
    const [one, two] = await race<{ won: string[] }>("claim-race", path, 1_000);
    const all = [...one.won, ...two.won].sort();
    expect(all).toEqual(Array.from({ length: 1_000 }, (_, i) => `run-${i}`).sort());
    expect(one.won.filter((id) => two.won.includes(id))).toEqual([]);
    const journal = sqliteJournal({ path });
    try {
      expect(await journal.claim(one.won[0] ?? two.won[0]!, "three", 60_000)).toBe(false);
    } finally {
      await journal.close();
    }
  });

  it("never both write one seq of a run: of two processes appending at the seq each last read, one writes it and the other gets JournalConflictError", async () => {
    const path = temp.path();
    await sqliteJournal({ path }).close();
    const [one, two] = await race<{ won: number[]; conflicts: number }>("append-race", path, 300);
    expect([...one.won, ...two.won].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, i) => i),
    );
    // Every refused append is a seq the other process had written (and this one had not).
    expect(one.conflicts + two.conflicts).toBeLessThanOrEqual(300);
    const journal = sqliteJournal({ path });
    try {
      const stored = await journal.read("shared");
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      for (const e of stored) {
        expect(e.record).toEqual({ by: one.won.includes(e.seq) ? "one" : "two" });
      }
    } finally {
      await journal.close();
    }
  });
});

describe("a writer killed with SIGKILL mid-stream", () => {
  it("leaves a readable journal holding a consecutive prefix with every append that had resolved, twice over", async () => {
    const path = temp.path();
    let acknowledged = -1;
    for (const round of [1, 2]) {
      const writer = child("append-stream", path);
      const from = Number((await writer.line((l) => l.startsWith("from "))).slice(5));
      expect(from).toBeGreaterThan(acknowledged); // nothing acknowledged was lost
      const target = from + 150;
      await writer.line((l) => Number(l) >= target);
      writer.process.kill("SIGKILL");
      expect(await writer.exited).toBe("SIGKILL");
      acknowledged = Math.max(...writer.lines.filter((l) => /^\d+$/.test(l)).map(Number));
      expect(acknowledged, `round ${round}`).toBeGreaterThanOrEqual(target);

      const journal = sqliteJournal({ path });
      try {
        for (const runId of ["a", "b"]) {
          const stored = await journal.read(runId);
          // Consecutive from 0, and at least every acknowledged append (one more may have
          // committed just before the kill, without its line printed).
          expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i));
          expect(stored.length).toBeGreaterThanOrEqual(acknowledged + 1);
          expect(stored.length).toBeLessThanOrEqual(acknowledged + 2);
          stored.forEach((e, seq) => expect(e.record).toEqual(streamRecord(runId, seq)));
        }
        // a and b went in one append each time: they are always the same length.
        expect((await journal.read("a")).length).toBe((await journal.read("b")).length);
      } finally {
        await journal.close();
      }
    }
  });
});

describe("busyTimeoutMs", () => {
  it("makes a write wait for another process's write lock and then succeed", async () => {
    const path = temp.path();
    const journal = sqliteJournal({ path, busyTimeoutMs: 20_000 });
    try {
      const holder = child("hold-lock", path, "500");
      await holder.line((l) => l === "locked");
      const started = performance.now();
      await journal.append([entry("r", 0)]);
      const waited = performance.now() - started;
      await holder.line((l) => l === "released");
      expect(waited).toBeGreaterThanOrEqual(200);
      expect(await journal.read("r")).toEqual([entry("r", 0)]);
    } finally {
      await journal.close();
    }
  });

  it("fails a write that waited longer than busyTimeoutMs with a JournalError saying so, and writes nothing of it", async () => {
    const path = temp.path();
    const journal = sqliteJournal({ path, busyTimeoutMs: 100 });
    const other = new Database(path);
    try {
      other.exec("BEGIN IMMEDIATE");
      const started = performance.now();
      const error = await journal.append([entry("r", 0)]).catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(90);
      expect(error).toBeInstanceOf(JournalError);
      expect(error).not.toBeInstanceOf(JournalConflictError);
      expect((error as Error).message).toMatch(
        /waited 100 ms for another process's write to end.*raise busyTimeoutMs/,
      );
      expect((error as JournalError).cause).toHaveProperty("code", "SQLITE_BUSY");
      other.exec("ROLLBACK");
      expect(await journal.read("r")).toEqual([]);
      await journal.append([entry("r", 0)]);
      expect(await journal.read("r")).toEqual([entry("r", 0)]);
    } finally {
      other.close();
      await journal.close();
    }
  });
});
