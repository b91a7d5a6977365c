// A tick PostgreSQL aborts to break a deadlock goes again: its calls succeed, once.
import { expect, it, vi } from "vitest";
import { entry } from "./support/entries.js";
import { usePostgres } from "./support/postgres.js";

const db = usePostgres();

it("sends a tick again when PostgreSQL aborts it to break a deadlock", async () => {
  const schema = db.schema();
  const journal = db.journal({ schema });
  await journal.append([entry("x", 0), entry("y", 0)]);
  await journal.claim("y", "A", 60_000);
  const other = await db.admin().connect();
  try {
    // The other session holds run x and waits longer before it looks for deadlocks, so the
    // journal's tick is the one PostgreSQL aborts.
    await other.query("SET deadlock_timeout = '60s'");
    await other.query("BEGIN");
    await other.query(`SELECT 1 FROM "${schema}".runs WHERE run_id = 'x' FOR UPDATE`);
    // One tick: the end of y (its row locked) and its release, then a claim of x (waits).
    const tick = Promise.allSettled([
      journal.append([entry("y", 1, { status: "completed" })]),
      journal.release("y", "A"),
      journal.claim("x", "A", 60_000),
    ]);
    await vi.waitFor(
      async () => {
        const { rows } = await db
          .admin()
          .query(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%commit_tick%'",
          );
        expect(rows).toHaveLength(1);
      },
      { timeout: 10_000, interval: 20 },
    );
    // Now it waits for y, which the tick holds: a deadlock, broken by aborting the tick.
    await other.query(`SELECT 1 FROM "${schema}".runs WHERE run_id = 'y' FOR UPDATE`);
    await other.query("COMMIT");
    expect((await tick).map((o) => (o.status === "fulfilled" ? o.value : o.reason))).toEqual([
      undefined,
      undefined,
      true,
    ]);
  } finally {
    await other.query("ROLLBACK").catch(() => {});
    other.release();
  }
  expect((await journal.read("y")).map((e) => e.seq)).toEqual([0, 1]);
  expect((await journal.listRuns()).find((r) => r.runId === "y")!.status).toBe("completed");
  expect(await journal.claim("y", "B", 60_000)).toBe(true); // released
  expect(await journal.claim("x", "B", 60_000)).toBe(false); // the tick's claim holds
});
