// Writes called in one tick share one transaction (one commit, one fsync under "full"): they
// succeed or fail on their own, in the order they were called.
import { statSync } from "node:fs";
import { JournalConflictError } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { entries, entry } from "./support/entries.js";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();

/** Frames in the file's write-ahead log: every commit adds at least one. */
function walFrames(path: string, pageSize = 4096): number {
  return (statSync(`${path}-wal`).size - 32) / (pageSize + 24);
}

describe("writes of one tick", () => {
  it("share one commit: 100 single-entry appends in one tick add a few WAL frames, 100 awaited ones at least 100", async () => {
    const tickPath = temp.path();
    const tick = sqliteJournal({ path: tickPath });
    const before = walFrames(tickPath);
    await Promise.all(Array.from({ length: 100 }, (_, i) => tick.append([entry(`t${i}`, 0)])));
    const tickFrames = walFrames(tickPath) - before;
    expect(await tick.listRuns()).toHaveLength(100);
    await tick.close();

    const awaitedPath = temp.path();
    const awaited = sqliteJournal({ path: awaitedPath });
    const start = walFrames(awaitedPath);
    for (let i = 0; i < 100; i++) await awaited.append([entry(`a${i}`, 0)]);
    const awaitedFrames = walFrames(awaitedPath) - start;
    await awaited.close();

    expect(tickFrames).toBeLessThan(20);
    expect(awaitedFrames).toBeGreaterThanOrEqual(100);
  });

  it("each succeed or fail alone: a conflicting append rejects, the others of the tick are stored", async () => {
    const journal = temp.open();
    const outcomes = await Promise.allSettled([
      journal.append([entry("a", 0)]),
      journal.append([entry("a", 0), entry("b", 0)]), // a@0 twice: this whole append is refused
      journal.append([entry("b", 0)]),
      journal.claim("b", "p1", 60_000),
      journal.append([entry("a", 1)]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(JournalConflictError);
    expect((outcomes[3] as PromiseFulfilledResult<boolean>).value).toBe(true);
    expect(await journal.read("a")).toEqual(entries("a", 0, 2));
    expect(await journal.read("b")).toEqual([entry("b", 0)]);
  });

  it("run in the order they were called: of two claims in one tick the first wins", async () => {
    const journal = temp.open();
    expect(
      await Promise.all([
        journal.claim("r", "p1", 60_000),
        journal.claim("r", "p2", 60_000),
        journal.release("r", "p1"),
        journal.claim("r", "p2", 60_000),
      ]),
    ).toEqual([true, false, undefined, true]);
  });

  it("are seen by a read called right after them, before they were awaited", async () => {
    const journal = temp.open();
    const appended = journal.append(entries("r", 0, 2));
    expect(await journal.read("r")).toEqual(entries("r", 0, 2));
    expect((await journal.listRuns()).map((r) => r.runId)).toEqual(["r"]);
    await appended;
  });
});
