// The Journal contract (packages/core/src/journal.ts), rule by rule, on a real PostgreSQL.
import { JournalConflictError, JournalError } from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";
import { describe, expect, it } from "vitest";
import { entries, entry } from "./support/entries.js";
import { SERVER_URL, usePostgres } from "./support/postgres.js";
import { startProxy } from "./support/proxy.js";

const db = usePostgres();

describe("append and read", () => {
  it("reads back a run's entries in seq order, envelope and record as appended", async () => {
    const journal = db.journal();
    await journal.append([entry("r1", 0), entry("r1", 1, { status: "completed" })]);
    expect(await journal.read("r1")).toEqual([
      {
        runId: "r1",
        seq: 0,
        at: 1_700_000_000_000,
        workflow: "OrderWorkflow",
        status: "running",
        record: { kind: "header", seq: 0 },
      },
      {
        runId: "r1",
        seq: 1,
        at: 1_700_000_000_001,
        status: "completed",
        record: { kind: "step", seq: 1 },
      },
    ]);
  });

  it("gives [] for a run it does not know", async () => {
    expect(await db.journal().read("nobody")).toEqual([]);
  });

  it("keeps records exactly: key order, NUL and lone surrogates, big and fractional numbers", async () => {
    const journal = db.journal();
    const record = {
      z: 1,
      a: [null, true, false, "\u0000", "\ud800", "é😀"],
      nested: { b: 2, a: 1, "": "empty key" },
      n: [0, -0.5, 1e21, 2 ** 53 - 1, 1e-7],
    };
    await journal.append([entry("r", 0, { record, at: 1_700_000_000_123.5 })]);
    const [read] = await journal.read("r");
    expect(read!.at).toBe(1_700_000_000_123.5);
    expect(JSON.stringify(read!.record)).toBe(JSON.stringify(record));
  });

  it("writes entries of many runs in one append, each run continuing where it stood", async () => {
    const journal = db.journal();
    await journal.append([entry("a", 0), entry("b", 0)]);
    await journal.append([
      entry("a", 1),
      entry("c", 0),
      entry("b", 1),
      entry("a", 2),
      entry("c", 1),
    ]);
    expect((await journal.read("a")).map((e) => e.seq)).toEqual([0, 1, 2]);
    expect((await journal.read("b")).map((e) => e.seq)).toEqual([0, 1]);
    expect((await journal.read("c")).map((e) => e.seq)).toEqual([0, 1]);
  });

  it("sends an append of 1 000 entries of 200 runs in one round trip", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const journal = db.journal(
        {},
        { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      );
      await journal.append([entry("warm", 0)]); // schema and connection ready
      const big = Array.from({ length: 1_000 }, (_, i) =>
        entry(`run-${i % 200}`, Math.floor(i / 200)),
      );
      const before = proxy.roundTrips;
      await journal.append(big);
      expect(proxy.roundTrips - before).toBe(1);
      expect((await journal.read("run-7")).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await proxy.close();
    }
  });

  it("stores nothing it was given after the call: later changes to the objects change nothing", async () => {
    const journal = db.journal();
    const e = { ...entry("r", 0), record: { value: 1 } };
    const pending = journal.append([e]);
    e.record.value = 2;
    await pending;
    expect((await journal.read("r"))[0]!.record).toEqual({ value: 1 });
  });

  it("resolves an empty append and writes nothing", async () => {
    const journal = db.journal();
    await journal.append([]);
    expect(await journal.listRuns()).toEqual([]);
  });
});

describe("conflicts: all or nothing", () => {
  it("rejects an entry already stored with JournalConflictError and writes none of that append", async () => {
    const journal = db.journal();
    await journal.append(entries("r", 0, 2));
    const error = await journal.append([entry("other", 0), entry("r", 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalConflictError);
    expect(error).toMatchObject({ runId: "r", seq: 1 });
    expect((error as Error).message).toContain("already stored");
    expect(await journal.read("other")).toEqual([]);
    expect((await journal.read("r")).length).toBe(2);
  });

  it("rejects a gap (a seq past the run's next) naming the next seq", async () => {
    const journal = db.journal();
    await journal.append(entries("r", 0, 2));
    const error = await journal.append([entry("r", 3)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalConflictError);
    expect(error).toMatchObject({ runId: "r", seq: 3 });
    expect((error as Error).message).toContain("the next entry is 2");
  });

  it("rejects a first entry that is not seq 0, and a gap or repeat inside one append", async () => {
    const journal = db.journal();
    await expect(journal.append([entry("new", 1)])).rejects.toMatchObject({
      name: "JournalConflictError",
      seq: 1,
    });
    await expect(journal.append([entry("x", 0), entry("x", 2)])).rejects.toBeInstanceOf(
      JournalConflictError,
    );
    await expect(journal.append([entry("y", 0), entry("y", 0)])).rejects.toBeInstanceOf(
      JournalConflictError,
    );
    expect(await journal.listRuns()).toEqual([]);
  });

  it("lets exactly one of two writers racing for a run's next entry win", async () => {
    const schema = db.schema();
    const journal = db.journal({ schema });
    const other = db.journal({ schema });
    await journal.append([entry("r", 0)]);
    const results = await Promise.allSettled([
      journal.append([entry("r", 1, { record: "first" })]),
      other.append([entry("r", 1, { record: "second" })]),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected");
    expect(failed?.reason).toBeInstanceOf(JournalConflictError);
    expect((await journal.read("r")).length).toBe(2);
  });

  it("lets exactly one of two writers creating the same new run win", async () => {
    const schema = db.schema();
    const journal = db.journal({ schema });
    const other = db.journal({ schema });
    await journal.listRuns(); // both schemas ready, so the appends themselves race
    await other.listRuns();
    const results = await Promise.allSettled([
      journal.append([entry("fresh", 0)]),
      other.append([entry("fresh", 0)]),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(
      JournalConflictError,
    );
  });
});

describe("listRuns", () => {
  it("lists newest first by startedAt, then runId, with the last status any entry set", async () => {
    const journal = db.journal();
    await journal.append([
      entry("a", 0, { at: 100 }),
      entry("b", 0, { at: 300, workflow: "Billing" }),
      entry("c", 0, { at: 300 }),
    ]);
    await journal.append([
      entry("a", 1, { at: 400, status: "failed" }),
      entry("a", 2, { at: 500 }),
    ]);
    expect(await journal.listRuns()).toEqual([
      { runId: "c", workflow: "OrderWorkflow", status: "running", startedAt: 300, updatedAt: 300 },
      { runId: "b", workflow: "Billing", status: "running", startedAt: 300, updatedAt: 300 },
      { runId: "a", workflow: "OrderWorkflow", status: "failed", startedAt: 100, updatedAt: 500 },
    ]);
    expect((await journal.listRuns({ workflow: "OrderWorkflow" })).map((r) => r.runId)).toEqual([
      "c",
      "a",
    ]);
    expect((await journal.listRuns({ status: "running" })).map((r) => r.runId)).toEqual(["c", "b"]);
    expect(
      (await journal.listRuns({ workflow: "OrderWorkflow", status: "failed" })).map((r) => r.runId),
    ).toEqual(["a"]);
  });
});

describe("claims", () => {
  it("gives a run to one owner until its claim expires or is released; the owner renews", async () => {
    const journal = db.journal();
    expect(await journal.claim("r", "A", 60_000)).toBe(true);
    expect(await journal.claim("r", "B", 60_000)).toBe(false);
    expect(await journal.claim("r", "A", 60_000)).toBe(true);
    await journal.release("r", "B"); // not B's: nothing happens
    expect(await journal.claim("r", "B", 60_000)).toBe(false);
    await journal.release("r", "A");
    expect(await journal.claim("r", "B", 60_000)).toBe(true);
  });

  it("lets a run be claimed before its first entry is written", async () => {
    const journal = db.journal();
    expect(await journal.claim("new-run", "A", 10_000)).toBe(true);
    await journal.append([entry("new-run", 0)]);
    expect(await journal.claim("new-run", "B", 10_000)).toBe(false);
  });

  it("times claims by the database's clock", async () => {
    const schema = db.schema();
    const journal = db.journal({ schema });
    await journal.claim("r", "A", 60_000);
    const { rows } = await db
      .admin()
      .query<{ left: number }>(
        `SELECT extract(epoch FROM expires_at - now()) * 1000 AS left FROM "${schema}".runs WHERE run_id = 'r'`,
      );
    expect(Number(rows[0]!.left)).toBeGreaterThan(50_000);
    expect(Number(rows[0]!.left)).toBeLessThanOrEqual(60_000);
  });

  it("sends the claims, and the releases, asked for in one tick in one round trip each", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const journal = db.journal(
        {},
        { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      );
      await journal.claim("warm", "A", 60_000); // schema and connection ready
      const runs = Array.from({ length: 500 }, (_, i) => `run-${i}`);
      await journal.claim("run-3", "B", 60_000); // held by another owner: refused below
      let before = proxy.roundTrips;
      const claimed = await Promise.all(runs.map((r) => journal.claim(r, "A", 60_000)));
      expect(proxy.roundTrips - before).toBe(1);
      expect(claimed.filter((ok) => !ok)).toHaveLength(1);
      expect(claimed[3]).toBe(false);
      before = proxy.roundTrips;
      await Promise.all(runs.map((r) => journal.release(r, "A")));
      expect(proxy.roundTrips - before).toBe(1);
      expect(await journal.claim("run-7", "B", 60_000)).toBe(true); // released
      expect(await journal.claim("run-3", "A", 60_000)).toBe(false); // still B's
    } finally {
      await proxy.close();
    }
  });

  it("gives a run asked for twice in one tick by two owners to the first, and renews for one owner", async () => {
    const journal = db.journal();
    await journal.claim("warm", "A", 60_000);
    expect(
      await Promise.all([
        journal.claim("r", "A", 60_000),
        journal.claim("r", "B", 60_000),
        journal.claim("r", "A", 60_000),
      ]),
    ).toEqual([true, false, true]);
  });

  it("uses claimMs in place of what each claim asks for", async () => {
    const journal = db.journal({ claimMs: 1 });
    expect(await journal.claim("r", "A", 60_000)).toBe(true);
    // A 1 ms lease: by the time B's statement runs, it has expired.
    await expect.poll(() => journal.claim("r", "B", 60_000), { timeout: 5_000 }).toBe(true);
  });
});

describe("close", () => {
  it("rejects every call after close() with a JournalError", async () => {
    const journal = db.journal();
    await journal.append([entry("r", 0)]);
    await journal.close();
    await journal.close(); // twice is fine
    for (const call of [
      () => journal.append([entry("r", 1)]),
      () => journal.read("r"),
      () => journal.listRuns(),
      () => journal.claim("r", "A", 1_000),
      () => journal.release("r", "A"),
    ]) {
      await expect(call()).rejects.toThrow(/after close\(\)/);
    }
  });

  it("leaves a pool the user passed open, and ends one it made", async () => {
    const pool = db.pool();
    const schema = db.schema();
    const journal = postgresJournal({ pool }, { schema });
    await journal.append([entry("r", 0)]);
    await journal.close();
    expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows[0]!.one).toBe(1);
    expect(pool.ended).toBe(false);
  });
});

describe("bad input", () => {
  it("rejects malformed entries with a JournalError naming what is wrong, writing nothing", async () => {
    const journal = db.journal();
    const bad: [unknown, RegExp][] = [
      [[{ ...entry("r", 0), runId: "" }], /runId must be a non-empty string/],
      [[{ ...entry("r", 0), seq: -1 }], /seq must be a whole number/],
      [[{ ...entry("r", 0), seq: 1.5 }], /seq must be a whole number/],
      [[{ ...entry("r", 0), at: Number.NaN }], /at must be a time in ms/],
      [[{ ...entry("r", 0), status: "done" }], /status must be one of running/],
      [[{ ...entry("r", 0), record: 10n }], /record is not JSON/],
      [[{ ...entry("r", 0), record: undefined }], /record must be plain JSON/],
      [[{ runId: "r", seq: 0, at: 1, record: {} }], /seq 0\) of run r must name its workflow/],
      ["not an array", /append takes an array/],
    ];
    for (const [input, message] of bad) {
      const error = await journal.append(input as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(journal.claim("r", "A", 0)).rejects.toThrow(/ms must be a positive number/);
    await expect(journal.claim("r", "", 10)).rejects.toThrow(/owner must be a non-empty string/);
    await expect(journal.listRuns({ status: "done" as never })).rejects.toThrow(
      /status must be one of/,
    );
    expect(await journal.listRuns()).toEqual([]);
  });

  it("refuses bad options at once, naming the option and how to write it", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => postgresJournal(undefined as never), /pass \{ pool \}/],
      [() => postgresJournal({} as never), /neither was given/],
      [() => postgresJournal({ connectionString: "127.0.0.1:5432" }), /must be a PostgreSQL URL/],
      [() => postgresJournal({ pool: {} as never }), /pool must be a pg.Pool/],
      [
        () => postgresJournal({ conectionString: SERVER_URL } as never),
        /did you mean connectionString\?/,
      ],
      [
        () => postgresJournal({ connectionString: SERVER_URL }, { schema: 'x"; DROP' }),
        /schema must be a plain identifier/,
      ],
      [
        () => postgresJournal({ connectionString: SERVER_URL }, { schema: "pg_mine" }),
        /schema must be a plain identifier/,
      ],
      [
        () => postgresJournal({ connectionString: SERVER_URL }, { claimMs: -1 }),
        /claimMs must be a positive/,
      ],
      [
        () => postgresJournal({ connectionString: SERVER_URL }, { retry: { attempts: 0 } }),
        /retry.attempts/,
      ],
      [
        () =>
          postgresJournal({ connectionString: SERVER_URL }, { retry: { initialMs: 10, maxMs: 5 } }),
        /maxMs \(5\) must not be below/,
      ],
      [
        () => postgresJournal({ connectionString: SERVER_URL }, { retrys: {} } as never),
        /did you mean retry\?/,
      ],
    ];
    for (const [make, message] of cases) {
      expect(make).toThrow(JournalError);
      expect(make).toThrow(message);
    }
  });

  it("never shows the password of a connection string it refuses", () => {
    expect(() => postgresJournal({ connectionString: "mysql://app:s3cret@db/app" })).toThrow(
      /app:\*\*\*@db/,
    );
  });
});
