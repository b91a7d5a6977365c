// What one tick of 1 000 concurrent runs costs the server, per kind of tick: the claims and
// headers of 1 000 new runs, one step's entries of each, and their last entries with releases.
// Each tick is one commit_tick call, timed alone (no other work in flight), on a schema that
// grows by 1 000 runs a round; the floor is the same entries inserted with one INSERT.
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
  process.env["IMPL"] ?? "@eventloom/postgres"
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

async function timed(op: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await op();
  return performance.now() - t0;
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
  const t = {
    start: [] as number[],
    step: [] as number[],
    end: [] as number[],
    floor: [] as number[],
  };
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
      (await timed(() => journal.append(entries(ids, 1)))) +
        (await timed(() => journal.append(entries(ids, 2)))),
    );
    t.end.push(
      await timed(() =>
        Promise.all([
          journal.append(entries(ids, 3, "completed")),
          ...(NO_CLAIMS ? [] : ids.map((id) => journal.release(id, owner))),
        ]),
      ),
    );
    let f = 0;
    for (let seq = 0; seq < 4; seq++)
      f += await timed(() =>
        floorInsert(entries(ids, seq, seq === 0 ? "running" : seq === 3 ? "completed" : undefined)),
      );
    t.floor.push(f);
  }
  const pick = process.env["MIN"] === "1" ? (xs: number[]) => Math.min(...xs) : median;
  const start = pick(t.start),
    step = pick(t.step),
    end = pick(t.end),
    fl = pick(t.floor);
  console.log(
    `ticks of ${RUNS} runs, ${process.env["MIN"] === "1" ? "fastest" : "median"} of ${ROUNDS} (ms): start (claims + headers) ${start.toFixed(1)}, two steps ${step.toFixed(1)}, end (last entries + releases) ${end.toFixed(1)}; total ${(start + step + end).toFixed(1)} vs floor ${fl.toFixed(1)} (${((start + step + end) / fl).toFixed(2)}x)`,
  );
} finally {
  await journal.close();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
