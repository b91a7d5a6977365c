/**
 * Durable runs on SQLite: Eventloom with `sqliteJournal({ path, synchronous })` on a temp file
 * against the floor writing the same rows with better-sqlite3 directly (see `chain.ts`), one
 * transaction per tick. Runs started at once and runs one after another, with
 * `synchronous: "normal"` (the default) and `"full"` (every commit fsynced).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteJournal } from "@eventloom/sqlite";
import Database from "better-sqlite3";
import type { Row } from "../report.js";
import { perUnit, sample, timed } from "../sample.js";
import type { Sizes } from "../scenarios.js";
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

type Synchronous = "normal" | "full";
type Mode = "concurrent" | "sequential";

/** The floor's file: WAL, the journal's `entries` table and nothing else. */
function floorDatabase(path: string, synchronous: Synchronous) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
  db.exec(`CREATE TABLE entries (
    run_id   TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    at       REAL NOT NULL,
    workflow TEXT,
    status   TEXT,
    record   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  )`);
  const insert = db.prepare<[string, number, number, string | null, string | null, string]>(
    "INSERT INTO entries (run_id, seq, at, workflow, status, record) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const commit = new GroupCommit(
    db.transaction((rows: readonly FloorRow[]) => {
      for (const r of rows) insert.run(r.runId, r.seq, r.at, r.workflow, r.status, r.record);
    }),
  );
  const count = () => db.prepare<[], number>("SELECT count(*) FROM entries").pluck().get()!;
  return { commit, count, close: () => db.close() };
}

async function variant(
  s: Sizes,
  sizes: readonly number[],
  synchronous: Synchronous,
  mode: Mode,
): Promise<Row> {
  const steps = s.durableSteps;
  const runs =
    mode === "concurrent"
      ? s.durableRuns
      : synchronous === "full"
        ? s.durableSequentialFull
        : s.durableSequential;
  const dir = mkdtempSync(join(tmpdir(), "eventloom-bench-sqlite-"));
  // One file per side for the whole sample, as an application keeps one journal: both files grow
  // by the same rows, repetition after repetition.
  const journal = sqliteJournal({ path: join(dir, "eventloom.db"), synchronous });
  const wf = new (durableChain(steps))({ journal });
  const floor = floorDatabase(join(dir, "floor.db"), synchronous);
  let made = 0;
  try {
    const expected = runs * steps;
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
    // Every commit fsynced takes milliseconds here: fewer repetitions keep the suite in minutes.
    const reps =
      synchronous === "full"
        ? { reps: s.serviceReps, warmups: s.serviceWarmups }
        : { reps: s.fastReps, warmups: s.fastWarmups };
    const samples = await sample(reps, sides, (side) => {
      if (side.name === "eventloom") made += runs;
      return timed(`sqlite ${mode} ${synchronous} ${side.name}`, expected, side.run);
    });
    // What was written, checked once after the timed runs: every Eventloom run completed in the
    // journal, every floor row is in its table.
    const completed = (await journal.listRuns({ status: "completed" })).length;
    if (completed !== made) {
      throw new Error(
        `sqlite ${mode}: ${completed} completed runs in the journal, expected ${made}`,
      );
    }
    const floorRows = floor.count();
    const floorRuns = floorRows / (steps + 1);
    if (floorRuns !== made) {
      throw new Error(`sqlite ${mode}: the floor wrote ${floorRows} rows for ${made} runs`);
    }
    const what =
      mode === "concurrent"
        ? `${runs} runs x ${steps} steps at once`
        : `${runs} runs x ${steps} steps, one after another`;
    return {
      scenario: "sqlite",
      label: `sqlite ${mode} (${what}, synchronous ${synchronous})`,
      unit: "per run",
      kind: "ns",
      values: { ...perUnit(samples, runs), llamaindex: "no journal" },
    };
  } finally {
    await journal.close();
    floor.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sqliteScenario(s: Sizes): Promise<Row[]> {
  const sizes = await rowSizes(s.durableSteps);
  const rows: Row[] = [];
  for (const synchronous of ["normal", "full"] as const) {
    for (const mode of ["concurrent", "sequential"] as const) {
      rows.push(await variant(s, sizes, synchronous, mode));
    }
  }
  return rows;
}
