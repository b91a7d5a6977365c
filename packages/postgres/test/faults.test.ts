// Connections that drop while runs are being written: appends take longer and resolve; nothing
// is lost or written twice.
import { randomBytes } from "node:crypto";
import { JournalError } from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";
import { describe, expect, it } from "vitest";
import { entry } from "./support/entries.js";
import { SERVER_URL, usePostgres } from "./support/postgres.js";
import { startProxy } from "./support/proxy.js";

const db = usePostgres();

/** A counter whose values a test can wait for. */
function counter() {
  let value = 0;
  const waiters: { at: number; resolve: () => void }[] = [];
  return {
    get value() {
      return value;
    },
    add() {
      value++;
      for (const w of waiters.filter((w) => w.at <= value)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    reach(at: number): Promise<void> {
      return at <= value
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ at, resolve }));
    },
  };
}

describe("dropped connections", () => {
  it("rides out pg_terminate_backend of its connections mid-stream: every append resolves, each entry stored once", async () => {
    const app = `el_test_${randomBytes(4).toString("hex")}`;
    const pool = db.pool({ application_name: app, max: 3 });
    let connections = 0;
    pool.on("connect", () => connections++);
    const journal = db.journal({ retry: { attempts: 30, initialMs: 10, maxMs: 200 } }, { pool });
    const RUNS = 6;
    const PER_RUN = 50;
    const done = counter();
    const writers = Array.from({ length: RUNS }, async (_, r) => {
      for (let seq = 0; seq < PER_RUN; seq++) {
        await journal.append([
          entry(`run-${r}`, seq, { record: { r, seq, pad: "x".repeat(200) } }),
        ]);
        done.add();
      }
    });
    const all = Promise.all(writers);
    let terminated = 0;
    for (const at of [30, 90, 150, 210]) {
      await Promise.race([done.reach(at), all]); // a writer that fails ends the wait

      const { rowCount } = await db
        .admin()
        .query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
          [app],
        );
      terminated += rowCount ?? 0;
    }
    await all;
    expect(terminated).toBeGreaterThan(0);
    expect(connections).toBeGreaterThan(3); // it reconnected
    for (let r = 0; r < RUNS; r++) {
      const stored = await journal.read(`run-${r}`);
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: PER_RUN }, (_, i) => i));
      expect(stored.map((e) => (e.record as { seq: number }).seq)).toEqual(
        stored.map((e) => e.seq),
      );
    }
    const runs = await journal.listRuns();
    expect(runs).toHaveLength(RUNS);
  });

  it("treats an append whose commit happened but whose reply was lost as done, not as a conflict", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const journal = db.journal(
        { retry: { attempts: 5, initialMs: 10, maxMs: 100 } },
        { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      );
      await journal.append([entry("r", 0)]);
      const lost = proxy.loseReplyTo("append_entries");
      await journal.append([entry("r", 1, { record: "once" }), entry("s", 0)]);
      await lost; // the reply really was thrown away after the server committed
      expect((await journal.read("r")).map((e) => e.record)).toEqual([
        { kind: "header", seq: 0 },
        "once",
      ]);
      expect((await journal.read("s")).length).toBe(1);
      // It was not a blanket pass: appending the same entries again is a conflict.
      await expect(journal.append([entry("r", 1, { record: "once" })])).rejects.toMatchObject({
        name: "JournalConflictError",
      });
    } finally {
      await proxy.close();
    }
  });

  it("treats a tick of claim, header and release whose reply was lost as done: each call resolves as it did", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const journal = db.journal(
        { retry: { attempts: 5, initialMs: 10, maxMs: 100 } },
        { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      );
      await journal.claim("done", "A", 60_000);
      const lost = proxy.loseReplyTo("commit_tick");
      const outcomes = await Promise.all([
        journal.claim("new", "A", 60_000),
        journal.append([entry("new", 0), entry("done", 0)]),
        journal.release("done", "A"),
      ]);
      await lost;
      expect(outcomes).toEqual([true, undefined, undefined]);
      expect((await journal.read("new")).length).toBe(1);
      expect((await journal.read("done")).length).toBe(1);
      expect(await journal.claim("new", "B", 60_000)).toBe(false); // still A's
      expect(await journal.claim("done", "B", 60_000)).toBe(true); // released
    } finally {
      await proxy.close();
    }
  });

  it("still reports a real conflict after a lost reply, when what is stored differs", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const schema = db.schema();
      const journal = db.journal(
        { schema, retry: { attempts: 5, initialMs: 10, maxMs: 100 } },
        { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      );
      const rival = db.journal({ schema });
      await journal.append([entry("r", 0)]);
      // The rival writes seq 1 first; our append's reply is lost on the way, and its retry
      // meets the rival's entry, which is not ours.
      await rival.append([entry("r", 1, { record: "rival" })]);
      const lost = proxy.loseReplyTo("append_entries");
      const error = await journal
        .append([entry("r", 1, { record: "mine" })])
        .catch((e: unknown) => e);
      await lost;
      expect(error).toMatchObject({ name: "JournalConflictError", runId: "r", seq: 1 });
      expect((await rival.read("r"))[1]!.record).toBe("rival");
    } finally {
      await proxy.close();
    }
  });

  it("waits for a server that went away and came back, then resolves", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const journal = db.journal(
        { retry: { attempts: 40, initialMs: 20, maxMs: 100 } },
        { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      );
      await journal.append([entry("r", 0)]);
      proxy.shut(); // connections cut, new ones cut at once
      const pending = journal.append([entry("r", 1)]);
      await proxy.refused(3); // it kept trying while the server was away
      proxy.open();
      await pending;
      expect((await journal.read("r")).length).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it("gives up after retry.attempts with a JournalError that says how to allow more time", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    const journal = postgresJournal(
      { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      { schema: db.schema(), retry: { attempts: 3, initialMs: 5, maxMs: 10 } },
    );
    try {
      await journal.append([entry("r", 0)]);
      proxy.shut();
      const error = await journal.append([entry("r", 1)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JournalError);
      expect((error as Error).message).toMatch(/append gave up after 3 tries/);
      expect((error as Error).message).toContain(`127.0.0.1:${proxy.port}`);
      expect((error as Error).message).toContain("retry: { attempts, maxMs }");
    } finally {
      await journal.close();
      await proxy.close();
    }
  });

  it("stops retrying when closed: a pending call rejects instead of waiting out the backoff", async () => {
    const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
    const journal = postgresJournal(
      { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
      { schema: db.schema(), retry: { attempts: 1_000, initialMs: 1_000, maxMs: 1_000 } },
    );
    try {
      await journal.listRuns();
      proxy.shut();
      const pending = journal.read("r").catch((e: unknown) => e);
      const started = Date.now();
      await journal.close();
      expect(await pending).toBeInstanceOf(JournalError);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await proxy.close();
    }
  });

  it("names a database that does not exist", async () => {
    const journal = postgresJournal({
      connectionString: SERVER_URL.replace(/\/[^/]*$/, "/no_such_db_el"),
    });
    await expect(journal.listRuns()).rejects.toThrow(/has no database "no_such_db_el"/);
    await journal.close();
  });
});
