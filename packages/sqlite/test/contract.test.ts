// The Journal contract (packages/core/src/journal.ts), rule by rule, on sqliteJournal. The shared
// journalConformance suite runs in conformance.test.ts; these are this store's own checks.
import { JournalConflictError, JournalError } from "@eventloom/core";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { entries, entry } from "./support/entries.js";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();
afterEach(() => vi.useRealTimers());

describe("append", () => {
  it("stores a batch of many runs in one call and reads each run back in seq order", async () => {
    const journal = temp.open();
    await journal.append([entry("a", 0), entry("b", 0), entry("a", 1), entry("b", 1)]);
    await journal.append([entry("a", 2)]);
    expect(await journal.read("a")).toEqual(entries("a", 0, 3));
    expect(await journal.read("b")).toEqual(entries("b", 0, 2));
  });

  it("gives back each record equal as JSON, unaffected by later changes to what was appended", async () => {
    const journal = temp.open();
    const record = {
      nested: { list: [1, "two", null, true, { deep: 2.5 }] },
      empty: {},
      text: "é ✓ 🧵",
    };
    const first = entry("r", 0, { record });
    await journal.append([first]);
    record.nested.list.push("later");
    const read = await journal.read("r");
    expect(read).toEqual([
      entry("r", 0, {
        record: {
          nested: { list: [1, "two", null, true, { deep: 2.5 }] },
          empty: {},
          text: "é ✓ 🧵",
        },
      }),
    ]);
    (read[0]!.record as { text: string }).text = "changed";
    expect((await journal.read("r"))[0]!.record).toMatchObject({ text: "é ✓ 🧵" });
  });

  it("rejects an entry whose seq is already stored with JournalConflictError and writes nothing of that append", async () => {
    const journal = temp.open();
    await journal.append(entries("r", 0, 2));
    const error = await journal.append([entry("other", 0), entry("r", 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalConflictError);
    expect(error).toMatchObject({ runId: "r", seq: 1, code: "JOURNAL_CONFLICT" });
    expect(await journal.read("r")).toHaveLength(2);
    expect(await journal.read("other")).toEqual([]);
    expect(await journal.listRuns()).toHaveLength(1);
  });

  it("rejects a gap (a seq that is not the run's next, or a first entry that is not 0) with JournalConflictError", async () => {
    const journal = temp.open();
    await expect(journal.append([entry("r", 1)])).rejects.toBeInstanceOf(JournalConflictError);
    await journal.append([entry("r", 0)]);
    await expect(journal.append([entry("r", 2)])).rejects.toThrow(/the next entry is 1/);
    await expect(journal.append([entry("r", 1), entry("r", 3)])).rejects.toBeInstanceOf(
      JournalConflictError,
    );
    expect(await journal.read("r")).toEqual([entry("r", 0)]);
  });

  it("refuses an entry another journal object on the file stored after this one's last, and continues after it", async () => {
    const path = temp.path();
    const one = sqliteJournal({ path });
    const two = sqliteJournal({ path });
    try {
      await one.append(entries("r", 0, 3));
      await two.append([entry("r", 3)]);
      const error = await one.append([entry("r", 3)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalConflictError);
      expect(error).toHaveProperty("message", expect.stringMatching(/already stored/));
      await expect(one.append([entry("r", 5)])).rejects.toThrow(/the next entry is 4/);
      await one.append([entry("r", 4, { status: "completed" })]);
      expect(await two.read("r")).toEqual([
        ...entries("r", 0, 4),
        entry("r", 4, { status: "completed" }),
      ]);
      expect((await two.listRuns()).map((r) => [r.status, r.updatedAt])).toEqual([
        ["completed", 1_004],
      ]);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("refuses a run's first entry without a workflow and writes nothing", async () => {
    const journal = temp.open();
    await expect(journal.append([{ runId: "r", seq: 0, at: 1, record: {} }])).rejects.toThrow(
      /first entry \(seq 0\) of run r must name its workflow/,
    );
    expect(await journal.read("r")).toEqual([]);
  });

  it("resolves an empty append and reads [] for a run it does not know", async () => {
    const journal = temp.open();
    await journal.append([]);
    expect(await journal.read("nobody")).toEqual([]);
  });

  it.each([
    ["a non-array", "nope", /append takes an array of entries/],
    [
      "an empty runId",
      [{ runId: "", seq: 0, at: 1, workflow: "W", record: {} }],
      /runId must be a non-empty string/,
    ],
    [
      "a negative seq",
      [{ runId: "r", seq: -1, at: 1, record: {} }],
      /seq must be a whole number >= 0, got -1/,
    ],
    [
      "a fractional seq",
      [{ runId: "r", seq: 0.5, at: 1, record: {} }],
      /seq must be a whole number/,
    ],
    [
      "an at that is not a number",
      [{ runId: "r", seq: 0, at: "now", workflow: "W", record: {} }],
      /at must be a time in ms/,
    ],
    [
      "an unknown status",
      [{ runId: "r", seq: 0, at: 1, workflow: "W", status: "done", record: {} }],
      /status must be one of running, completed/,
    ],
    [
      "a record that is undefined",
      [{ runId: "r", seq: 0, at: 1, workflow: "W", record: undefined }],
      /record must be plain JSON/,
    ],
    [
      "a record with a BigInt",
      [{ runId: "r", seq: 0, at: 1, workflow: "W", record: { n: 1n } }],
      /record cannot be written as JSON/,
    ],
  ])("rejects %s with a JournalError that names the problem", async (_, bad, message) => {
    const journal = temp.open();
    const error = await journal.append(bad as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    expect(error).toHaveProperty("message", expect.stringMatching(message));
    expect(await journal.listRuns()).toEqual([]);
  });
});

describe("listRuns", () => {
  it("lists runs newest first by startedAt, then runId, with the status last set and the newest entry's at", async () => {
    const journal = temp.open();
    await journal.append([
      entry("old", 0, { at: 10 }),
      entry("b-same", 0, { at: 20 }),
      entry("a-same", 0, { at: 20 }),
      entry("new", 0, { at: 30, workflow: "Refunds" }),
    ]);
    await journal.append([
      entry("old", 1, { at: 40, status: "failed" }),
      entry("old", 2, { at: 50 }),
      entry("new", 1, { at: 60, status: "completed" }),
    ]);
    expect(await journal.listRuns()).toEqual([
      { runId: "new", workflow: "Refunds", status: "completed", startedAt: 30, updatedAt: 60 },
      { runId: "b-same", workflow: "Orders", status: "running", startedAt: 20, updatedAt: 20 },
      { runId: "a-same", workflow: "Orders", status: "running", startedAt: 20, updatedAt: 20 },
      { runId: "old", workflow: "Orders", status: "failed", startedAt: 10, updatedAt: 50 },
    ]);
  });

  it("filters on workflow, on status, and on both", async () => {
    const journal = temp.open();
    await journal.append([
      entry("o1", 0, { at: 1 }),
      entry("o2", 0, { at: 2 }),
      entry("f1", 0, { at: 3, workflow: "Refunds" }),
    ]);
    await journal.append([entry("o2", 1, { status: "completed" })]);
    const ids = async (filter: Parameters<typeof journal.listRuns>[0]) =>
      (await journal.listRuns(filter)).map((r) => r.runId);
    expect(await ids({ workflow: "Orders" })).toEqual(["o2", "o1"]);
    expect(await ids({ status: "running" })).toEqual(["f1", "o1"]);
    expect(await ids({ workflow: "Orders", status: "completed" })).toEqual(["o2"]);
    expect(await ids({ workflow: "Nothing" })).toEqual([]);
    expect(await ids({})).toEqual(["f1", "o2", "o1"]);
  });

  it("rejects a filter status that is not a run status", async () => {
    const journal = temp.open();
    await expect(journal.listRuns({ status: "finished" as never })).rejects.toThrow(
      /listRuns: status must be one of running/,
    );
  });

  // What recover() asks when a process starts: it must not read the whole journal. The plan of
  // listRuns' running queries (same WHERE as the store's), on a file with ended runs in it.
  it("lists running runs from an index that holds only running runs", async () => {
    const path = temp.path();
    const journal = sqliteJournal({ path });
    await journal.append([entry("done", 0), entry("live", 0)]);
    await journal.append([entry("done", 1, { status: "completed" })]);
    await journal.close();
    const db = new Database(path, { readonly: true });
    const plan = (where: string) =>
      (
        db.prepare(`EXPLAIN QUERY PLAN SELECT run_id FROM runs r ${where}`).all() as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join("; ");
    try {
      expect(plan("WHERE r.status = 'running'")).toMatch(/USING INDEX runs_running/);
      expect(plan("WHERE r.workflow = 'Orders' AND r.status = 'running'")).toMatch(
        /USING INDEX runs_running \(workflow=\?\)/,
      );
      expect(
        db
          .prepare("SELECT count(*) FROM runs INDEXED BY runs_running WHERE status = 'running'")
          .pluck()
          .get(),
      ).toBe(1);
    } finally {
      db.close();
    }
  });
});

describe("claim and release", () => {
  it("gives a run to one owner at a time; the same owner renews; release frees it", async () => {
    const journal = temp.open();
    expect(await journal.claim("r", "p1", 60_000)).toBe(true);
    expect(await journal.claim("r", "p2", 60_000)).toBe(false);
    expect(await journal.claim("r", "p1", 60_000)).toBe(true);
    await journal.release("r", "p2"); // holds nothing: changes nothing
    expect(await journal.claim("r", "p2", 60_000)).toBe(false);
    await journal.release("r", "p1");
    expect(await journal.claim("r", "p2", 60_000)).toBe(true);
  });

  it("lets another owner take a claim over once it has expired, and a renewal pushes the expiry on", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_000_000);
    const journal = temp.open();
    expect(await journal.claim("r", "p1", 1_000)).toBe(true);
    vi.setSystemTime(1_000_600);
    expect(await journal.claim("r", "p1", 1_000)).toBe(true); // now held until 1_001_600
    vi.setSystemTime(1_001_200);
    expect(await journal.claim("r", "p2", 1_000)).toBe(false);
    vi.setSystemTime(1_001_600);
    expect(await journal.claim("r", "p2", 1_000)).toBe(true);
    expect(await journal.claim("r", "p1", 1_000)).toBe(false);
  });

  it("claims a run before its first entry and keeps the claim once entries are written", async () => {
    const journal = temp.open();
    expect(await journal.claim("new", "p1", 60_000)).toBe(true);
    await journal.append([entry("new", 0)]);
    expect(await journal.claim("new", "p2", 60_000)).toBe(false);
    expect(await journal.read("new")).toEqual([entry("new", 0)]);
  });

  it("forgets a claim released before the run's first entry: nothing is listed, another owner may claim it", async () => {
    const journal = temp.open();
    expect(await journal.claim("never", "p1", 60_000)).toBe(true);
    expect(await journal.listRuns()).toEqual([]);
    await journal.release("never", "p1");
    expect(await journal.claim("never", "p2", 60_000)).toBe(true);
    await journal.append([entry("never", 0)]);
    expect((await journal.listRuns()).map((r) => r.runId)).toEqual(["never"]);
    expect(await journal.claim("never", "p1", 60_000)).toBe(false);
  });

  it("sees the claims of another journal object on the same file", async () => {
    const path = temp.path();
    const one = sqliteJournal({ path });
    const two = sqliteJournal({ path });
    try {
      expect(await one.claim("r", "p1", 60_000)).toBe(true);
      expect(await two.claim("r", "p2", 60_000)).toBe(false);
      await one.release("r", "p1");
      expect(await two.claim("r", "p2", 60_000)).toBe(true);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it("uses the claimMs option as the lease in place of the ms asked for", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(5_000_000);
    const journal = temp.open({ claimMs: 100 });
    expect(await journal.claim("r", "p1", 60_000)).toBe(true);
    vi.setSystemTime(5_000_100);
    expect(await journal.claim("r", "p2", 60_000)).toBe(true);
  });

  it.each([
    ["an empty owner", ["r", "", 1_000], /claim: owner must be a non-empty string/],
    ["an empty runId", ["", "p1", 1_000], /claim: runId must be a non-empty string/],
    ["ms of 0", ["r", "p1", 0], /claim: ms must be a positive number of milliseconds, got 0/],
    ["ms that is not a number", ["r", "p1", Number.NaN], /claim: ms must be a positive number/],
  ])("rejects a claim with %s", async (_, args, message) => {
    const journal = temp.open();
    await expect(journal.claim(...(args as [string, string, number]))).rejects.toThrow(message);
  });
});

describe("close", () => {
  it("rejects every call after close() with a JournalError naming the file; a second close resolves", async () => {
    const journal = temp.open();
    await journal.close();
    const calls = [
      journal.append([entry("r", 0)]),
      journal.read("r"),
      journal.listRuns(),
      journal.claim("r", "p", 1_000),
      journal.release("r", "p"),
    ];
    for (const call of calls) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalError);
      expect(error).toHaveProperty(
        "message",
        expect.stringMatching(/after close\(\) on the file .*runs\.db/),
      );
    }
    await expect(journal.close()).resolves.toBeUndefined();
  });

  it("commits the writes called before close() (not yet awaited)", async () => {
    const path = temp.path();
    const journal = sqliteJournal({ path });
    const appended = journal.append(entries("r", 0, 3));
    await journal.close();
    await appended;
    const again = sqliteJournal({ path });
    try {
      expect(await again.read("r")).toEqual(entries("r", 0, 3));
    } finally {
      await again.close();
    }
  });
});
