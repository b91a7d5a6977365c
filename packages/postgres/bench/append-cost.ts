// What an append costs on PostgreSQL: ms per append of 1, 100 and 1 000 entries (entries of many
// runs, one round trip each), and µs per entry. Runs against a fresh schema, dropped after.
//
//   node --conditions=@eventloom/source --import tsx packages/postgres/bench/append-cost.ts
//   (EVENTLOOM_TEST_POSTGRES=postgres://… to point it elsewhere; default the local test server)
import { randomBytes } from "node:crypto";
import type { JournalEntry } from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";
import pg from "pg";

const url = process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `el_bench_${randomBytes(4).toString("hex")}`;
const record = {
  kind: "step",
  step: "charge",
  events: [{ type: "Charged", data: "x".repeat(150) }],
};

const journal = postgresJournal({ connectionString: url, max: 1 }, { schema });
const next = new Map<string, number>();
let runCount = 0;

/** `size` entries spread over `runs` runs (new runs start at seq 0, so headers are included). */
function batch(size: number, runs: number): JournalEntry[] {
  const ids = Array.from({ length: runs }, () => `run-${runCount++}`);
  return Array.from({ length: size }, (_, i) => {
    const runId = ids[i % runs]!;
    const seq = next.get(runId) ?? 0;
    next.set(runId, seq + 1);
    return {
      runId,
      seq,
      at: Date.now(),
      ...(seq === 0 ? { workflow: "Bench", status: "running" as const } : {}),
      record,
    };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

try {
  await journal.append(batch(10, 10)); // schema created, connection open
  const rows: Record<string, string | number>[] = [];
  for (const [size, runs, reps] of [
    [1, 1, 300],
    [100, 50, 60],
    [1000, 200, 20],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const entries = batch(size, runs);
      const t0 = performance.now();
      await journal.append(entries);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    rows.push({
      entries: size,
      runs,
      appends: reps,
      "median ms per append": Number(ms.toFixed(3)),
      "µs per entry": Number(((ms * 1000) / size).toFixed(1)),
    });
  }
  console.table(rows);
} finally {
  await journal.close();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
}
