/**
 * The cold table: every in-memory scenario in fresh processes. For each scenario, 5 child
 * processes per engine (`scenario-child.ts`), interleaved across engines in alternating order,
 * each running a 10 % warm-up then one measured run; a row holds the medians of the 5. The smoke
 * run spawns one child per engine that runs every scenario (tiny sizes: it checks the path works).
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measured, type Row } from "../report.js";
import { sample } from "../sample.js";
import type { EngineName, Sizes } from "../scenarios.js";
import { COLD_SCENARIOS, type ColdScenario, workload } from "./workloads.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = dirname(HERE);

/** Processes per engine and scenario in the full run. */
export const COLD_PROCESSES = 5;

const ENGINES: readonly { readonly name: EngineName }[] = [
  { name: "floor" },
  { name: "eventloom" },
  { name: "llamaindex" },
];

interface ChildLine {
  readonly scenario: ColdScenario;
  readonly engine: EngineName;
  readonly warmUpMs: number;
  readonly ms: number;
}

/**
 * Runs one child: the same TypeScript loader as the bench (tsx, resolved from bench/), so the
 * engines are the hot bench's own files; resolves to its lines, one per scenario, in order.
 */
function runChild(
  engine: EngineName,
  scenarios: readonly ColdScenario[],
  sizes: Sizes,
): Promise<ChildLine[]> {
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  const args = [
    "--import",
    "tsx",
    join(HERE, "scenario-child.ts"),
    engine,
    scenarios.join(","),
    JSON.stringify(sizes),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: BENCH,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = out
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as ChildLine);
      const got = lines.map((l) => l.scenario).join(",");
      if (code !== 0 || got !== scenarios.join(",")) {
        reject(
          new Error(
            `cold ${engine} ${scenarios.join(",")}: the child exited with ${String(code)}: ${err || out}`,
          ),
        );
        return;
      }
      resolve(lines);
    });
  });
}

function row(name: ColdScenario, s: Sizes, samples: Map<EngineName, number[]>): Row {
  const w = workload(name, s);
  const values: Row["values"] = {};
  for (const [engine, ms] of samples) {
    values[engine] = measured(w.kind === "ms" ? ms : ms.map((m) => (m * 1e6) / w.units));
  }
  return { scenario: "cold", label: `cold ${w.label}`, unit: w.unit, kind: w.kind, values };
}

export async function coldTable(s: Sizes, log: (line: string) => void): Promise<Row[]> {
  const samples = new Map<ColdScenario, Map<EngineName, number[]>>(
    COLD_SCENARIOS.map((n) => [n, new Map(ENGINES.map((e) => [e.name, []]))]),
  );
  if (s.coldSpawns <= 1) {
    // Smoke: one child per engine for every scenario, the three at once (a few seconds).
    const t0 = performance.now();
    const all = await Promise.all(ENGINES.map((e) => runChild(e.name, COLD_SCENARIOS, s)));
    for (const line of all.flat()) samples.get(line.scenario)!.get(line.engine)!.push(line.ms);
    log(`cold table (smoke): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    for (const name of COLD_SCENARIOS) {
      const t0 = performance.now();
      const got = await sample({ reps: COLD_PROCESSES, warmups: 0 }, ENGINES, async (e) => {
        const [line] = await runChild(e.name, [name], s);
        return line!.ms;
      });
      samples.set(name, got);
      log(`cold ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  const rows = COLD_SCENARIOS.map((name) => row(name, s, samples.get(name)!));
  const first = rows[0]!;
  rows[0] = {
    ...first,
    note: `each engine and scenario in ${s.coldSpawns <= 1 ? "1 fresh process (smoke: one per engine for every scenario)" : `${COLD_PROCESSES} fresh processes, interleaved`}: a warm-up at 10 % of the work, then one measured run; medians`,
  };
  return rows;
}
