/**
 * Durable runs on PostgreSQL: Eventloom with `postgresJournal({ connectionString }, { schema })`
 * against the floor writing the same rows with `pg` directly, one multi-row INSERT (one round
 * trip, one commit) per tick. Schemas of their own per bench run, dropped after. Skipped with the
 * reason when no server answers at 127.0.0.1:5432 (EVENTLOOM_TEST_POSTGRES points elsewhere).
 */
import { randomBytes } from "node:crypto";
import { postgresJournal } from "@eventloom/postgres";
import pg from "pg";
import type { Row } from "../report.js";
import { perUnit, sample, timed } from "../sample.js";
import type { Sizes } from "../scenarios.js";
import { type Availability, reasonOf, requireUnlessLocal, skippedRow } from "../services.js";
import {
  type FloorRow,
  GroupCommit,
  durableChain,
  eventloomConcurrent,
  eventloomSequential,
  floorConcurrent,
  floorSequential,
  rowSizes,
} from "./chain.js";

/** The server the tests use (trust auth); EVENTLOOM_TEST_POSTGRES points elsewhere. */
const SERVER_URL =
  process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";
const SHOWN_URL = SERVER_URL.replace(/\/\/[^@]*@/, "//");
/** Connections of each side's pool. */
const POOL_MAX = 4;

async function probe(): Promise<Availability> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `no PostgreSQL at ${SHOWN_URL} (${reasonOf(error)}); start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

type Mode = "concurrent" | "sequential";

function labelOf(s: Sizes, mode: Mode): string {
  const steps = s.durableSteps;
  return mode === "concurrent"
    ? `postgres concurrent (${s.durableRuns} runs x ${steps} steps at once)`
    : `postgres sequential (${s.durableSequentialFull} runs x ${steps} steps, one after another)`;
}

/** The floor's table (the journal's `entries` columns) and its one-round-trip commit. */
async function floorTable(pool: pg.Pool, schema: string) {
  const table = `"${schema}".floor_entries`;
  await pool.query(`CREATE TABLE ${table} (
    run_id   text NOT NULL,
    seq      integer NOT NULL,
    at       double precision NOT NULL,
    workflow text,
    status   text,
    record   text NOT NULL,
    PRIMARY KEY (run_id, seq)
  )`);
  const sql = `INSERT INTO ${table} (run_id, seq, at, workflow, status, record)
    SELECT * FROM unnest($1::text[], $2::integer[], $3::float8[], $4::text[], $5::text[], $6::text[])`;
  const commit = new GroupCommit(async (rows: readonly FloorRow[]) => {
    await pool.query(sql, [
      rows.map((r) => r.runId),
      rows.map((r) => r.seq),
      rows.map((r) => r.at),
      rows.map((r) => r.workflow),
      rows.map((r) => r.status),
      rows.map((r) => r.record),
    ]);
  });
  const count = async () =>
    Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  return { commit, count };
}

async function variant(s: Sizes, sizes: readonly number[], mode: Mode, tag: string): Promise<Row> {
  const steps = s.durableSteps;
  // PostgreSQL flushes its WAL at every commit (synchronous_commit on, its default): sequential
  // runs are sized as SQLite's with synchronous "full".
  const runs = mode === "concurrent" ? s.durableRuns : s.durableSequentialFull;
  // Two schemas: the journal refuses one that holds another program's tables.
  const schema = `el_bench_${tag}_${mode}`;
  const floorSchema = `${schema}_floor`;
  const admin = new pg.Pool({ connectionString: SERVER_URL, max: POOL_MAX });
  admin.on("error", () => {});
  const journal = postgresJournal({ connectionString: SERVER_URL, max: POOL_MAX }, { schema });
  try {
    await admin.query(`CREATE SCHEMA "${floorSchema}"`);
    const floor = await floorTable(admin, floorSchema);
    const wf = new (durableChain(steps))({ journal });
    let made = 0;
    const sides = [
      {
        name: "floor" as const,
        run: () =>
          mode === "concurrent"
            ? floorConcurrent(floor.commit, sizes, steps, runs)
            : floorSequential(floor.commit, sizes, steps, runs),
      },
      {
        name: "eventloom" as const,
        run: () =>
          mode === "concurrent" ? eventloomConcurrent(wf, runs) : eventloomSequential(wf, runs),
      },
    ];
    const samples = await sample(
      { reps: s.serviceReps, warmups: s.serviceWarmups },
      sides,
      (side) => {
        if (side.name === "eventloom") made += runs;
        return timed(`postgres ${mode} ${side.name}`, runs * steps, side.run);
      },
    );
    const completed = (await journal.listRuns({ status: "completed" })).length;
    if (completed !== made) {
      throw new Error(
        `postgres ${mode}: ${completed} completed runs in the journal, expected ${made}`,
      );
    }
    const floorRows = await floor.count();
    if (floorRows !== made * (steps + 1)) {
      throw new Error(`postgres ${mode}: the floor wrote ${floorRows} rows for ${made} runs`);
    }
    return {
      scenario: "postgres",
      label: labelOf(s, mode),
      unit: "per run",
      kind: "ns",
      values: { ...perUnit(samples, runs), llamaindex: "no journal" },
    };
  } finally {
    await journal.close().catch(() => {});
    for (const name of [schema, floorSchema]) {
      await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).catch(() => {});
    }
    await admin.end().catch(() => {});
  }
}

export async function postgresScenario(s: Sizes, log: (line: string) => void): Promise<Row[]> {
  const modes = ["concurrent", "sequential"] as const;
  const server = await probe();
  if (!server.ok) {
    requireUnlessLocal(server.reason, log);
    return modes.map((mode) =>
      skippedRow(
        "postgres",
        labelOf(s, mode),
        "per run",
        "ns",
        "skipped",
        server.reason,
        "no journal",
      ),
    );
  }
  const sizes = await rowSizes(s.durableSteps);
  const tag = randomBytes(4).toString("hex");
  const rows: Row[] = [];
  for (const mode of modes) rows.push(await variant(s, sizes, mode, tag));
  return rows;
}
