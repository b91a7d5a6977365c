// What an entry costs: µs per entry for one entry per commit vs 100 per commit, under
// synchronous "normal" and "full", and 1 000 single-entry appends (awaited one by one, or called
// in one tick so they share a commit) vs one append of 1 000 entries.
//
//   node --conditions=@eventloom/source --import tsx packages/sqlite/bench/append-cost.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JournalEntry } from "@eventloom/core";
import { sqliteJournal } from "@eventloom/sqlite";

const record = {
  kind: "step",
  step: "charge",
  events: [{ type: "Charged", data: "x".repeat(150) }],
};

/** A fresh journal file in its own temp folder, removed by `done`. */
function fresh(synchronous: "normal" | "full") {
  const dir = mkdtempSync(join(tmpdir(), "eventloom-sqlite-bench-"));
  const journal = sqliteJournal({ path: join(dir, "runs.db"), synchronous });
  return { journal, done: async () => (await journal.close(), rmSync(dir, { recursive: true })) };
}

/** Entries of `runs` runs, `perRun` each, seq from `from`. */
function entries(runs: number, perRun: number, from: number, tag: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (let r = 0; r < runs; r++) {
    for (let s = from; s < from + perRun; s++) {
      out.push({
        runId: `${tag}-${r}`,
        seq: s,
        at: Date.now(),
        ...(s === 0 ? { workflow: "Bench", status: "running" as const } : {}),
        record,
      });
    }
  }
  return out;
}

async function perEntryUs(
  synchronous: "normal" | "full",
  total: number,
  batch: number,
): Promise<number> {
  const { journal, done } = fresh(synchronous);
  const all = entries(1, total, 0, "run");
  const t0 = performance.now();
  for (let i = 0; i < total; i += batch) await journal.append(all.slice(i, i + batch));
  const us = ((performance.now() - t0) * 1000) / total;
  await done();
  return us;
}

async function thousand(synchronous: "normal" | "full"): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  {
    const { journal, done } = fresh(synchronous);
    const all = entries(1000, 1, 0, "a");
    const t0 = performance.now();
    for (const e of all) await journal.append([e]);
    out["1000 appends of 1, awaited one by one (ms)"] = performance.now() - t0;
    await done();
  }
  {
    const { journal, done } = fresh(synchronous);
    const all = entries(1000, 1, 0, "b");
    const t0 = performance.now();
    await Promise.all(all.map((e) => journal.append([e])));
    out["1000 appends of 1, called in one tick (ms)"] = performance.now() - t0;
    await done();
  }
  {
    const { journal, done } = fresh(synchronous);
    const all = entries(1000, 1, 0, "c");
    const t0 = performance.now();
    await journal.append(all);
    out["1 append of 1000 (ms)"] = performance.now() - t0;
    await done();
  }
  return out;
}

for (const synchronous of ["normal", "full"] as const) {
  const n = synchronous === "full" ? 500 : 2_000;
  const one = await perEntryUs(synchronous, n, 1);
  const hundred = await perEntryUs(synchronous, 20_000, 100);
  console.log(
    `${synchronous}: ${one.toFixed(1)} µs/entry at 1 entry/commit, ${hundred.toFixed(1)} µs/entry at 100 entries/commit`,
  );
  for (const [what, ms] of Object.entries(await thousand(synchronous))) {
    console.log(`  ${synchronous}: ${what}: ${ms.toFixed(1)}`);
  }
}
