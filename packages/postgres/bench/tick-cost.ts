// What one tick of 1 000 concurrent runs costs the server, per kind of tick: the claims and
// headers of 1 000 new runs, one step's entries of each, and their last entries with releases.
// Each tick is one commit_tick call, timed alone (no other work in flight), on a schema that
// grows by 1 000 runs a round; the floor is the same entries inserted with one INSERT. Besides
// the time, the WAL each tick wrote: on a busy machine the times drift, the WAL does not.
//
//   node --conditions=@eventloom/source --import tsx packages/postgres/bench/tick-cost.ts
//   (EVENTLOOM_TEST_POSTGRES=postgres://… to point it elsewhere; default the local test server;
//   ROUNDS=n rounds, MIN=1 for the fastest round instead of the median, IMPL=<path of another
//   build's index> to measure that build, e.g. the one before a change)
import { randomBytes } from "node:crypto";
import type { JournalEntry } from "@eventloom/core";
import pg from "pg";

const url = process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `el_bench_${randomBytes(4).toString("hex")}`;
const RUNS = 1000;
const NO_CLAIMS = process.env["NO_CLAIMS"] === "1";
const ROUNDS = Number(process.env["ROUNDS"] ?? 15);
const record = { kind: "step", step: "s", events: [{ type: "E", data: "x".repeat(150) }] };

const { postgresJournal } = (await import(
  process.env["IMPL"] || "@eventloom/postgres"
)) as typeof import("@eventloom/postgres");
const journal = postgresJournal({ connectionString: url, max: 1 }, { schema });
const admin = new pg.Pool({ connectionString: url, max: 1 });
const owner = "bench owner";
let runCount = 0;

function entries(
  ids: readonly string[],
  seq: number,
  status?: "running" | "completed",
): JournalEntry[] {
  return ids.map((runId) => ({
    runId,
    seq,
    at: Date.now(),
    ...(seq === 0 ? { workflow: "Bench" } : {}),
    ...(status === undefined ? {} : { status }),
    record,
  }));
}

async function lsn(): Promise<bigint> {
  const { rows } = await admin.query<{ b: string }>(
    "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint AS b",
  );
  return BigInt(rows[0]!.b);
}

/** The WAL written (by anyone: take the least of several rounds) and the ms taken by `op`. */
async function timed(op: () => Promise<unknown>): Promise<Cost> {
  const w0 = await lsn();
  const t0 = performance.now();
  await op();
  const ms = performance.now() - t0;
  return { ms, wal: Number((await lsn()) - w0) };
}

interface Cost {
  readonly ms: number;
  readonly wal: number;
}

function plus(a: Cost, b: Cost): Cost {
  return { ms: a.ms + b.ms, wal: a.wal + b.wal };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

try {
  await journal.append(entries(["warm"], 0, "running"));
  await admin.query(
    `CREATE TABLE "${schema}".floor_entries (run_id text NOT NULL, seq integer NOT NULL, at double precision NOT NULL, workflow text, status text, record text NOT NULL, PRIMARY KEY (run_id, seq))`,
  );
  const floorInsert = (rows: JournalEntry[]) =>
    admin.query(
      `INSERT INTO "${schema}".floor_entries SELECT * FROM unnest($1::text[], $2::integer[], $3::float8[], $4::text[], $5::text[], $6::text[])`,
      [
        rows.map((r) => r.runId),
        rows.map((r) => r.seq),
        rows.map((r) => r.at),
        rows.map((r) => r.workflow ?? null),
        rows.map((r) => r.status ?? null),
        rows.map((r) => JSON.stringify(r.record)),
      ],
    );
  const t = { start: [] as Cost[], step: [] as Cost[], end: [] as Cost[], floor: [] as Cost[] };
  for (let round = 0; round < ROUNDS; round++) {
    const ids = Array.from(
      { length: RUNS },
      () => `run-${randomBytes(6).toString("hex")}-${runCount++}`,
    );
    t.start.push(
      await timed(() =>
        Promise.all([
          ...(NO_CLAIMS ? [] : ids.map((id) => journal.claim(id, owner, 10_000))),
          journal.append(entries(ids, 0, "running")),
        ]),
      ),
    );
    t.step.push(
      plus(
        await timed(() => journal.append(entries(ids, 1))),
        await timed(() => journal.append(entries(ids, 2))),
      ),
    );
    t.end.push(
      await timed(() =>
        Promise.all([
          journal.append(entries(ids, 3, "completed")),
          ...(NO_CLAIMS ? [] : ids.map((id) => journal.release(id, owner))),
        ]),
      ),
    );
    let f = { ms: 0, wal: 0 };
    for (let seq = 0; seq < 4; seq++)
      f = plus(
        f,
        await timed(() =>
          floorInsert(
            entries(ids, seq, seq === 0 ? "running" : seq === 3 ? "completed" : undefined),
          ),
        ),
      );
    t.floor.push(f);
  }
  const pick = (xs: number[]) => (process.env["MIN"] === "1" ? Math.min(...xs) : median(xs));
  const ms = (xs: Cost[]) => pick(xs.map((x) => x.ms));
  const kb = (xs: Cost[]) => Math.min(...xs.map((x) => x.wal)) / 1024;
  const total = (f: (xs: Cost[]) => number) => f(t.start) + f(t.step) + f(t.end);
  console.log(
    `ticks of ${RUNS} runs, ${process.env["MIN"] === "1" ? "fastest" : "median"} of ${ROUNDS} (ms): start (claims + headers) ${ms(t.start).toFixed(1)}, two steps ${ms(t.step).toFixed(1)}, end (last entries + releases) ${ms(t.end).toFixed(1)}; total ${total(ms).toFixed(1)} vs floor ${ms(t.floor).toFixed(1)} (${(total(ms) / ms(t.floor)).toFixed(2)}x)`,
  );
  console.log(
    `WAL written, least of ${ROUNDS} (KiB): start ${kb(t.start).toFixed(0)}, two steps ${kb(t.step).toFixed(0)}, end ${kb(t.end).toFixed(0)}; total ${total(kb).toFixed(0)} vs floor ${kb(t.floor).toFixed(0)} (${(total(kb) / kb(t.floor)).toFixed(2)}x)`,
  );
} finally {
  await journal.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
