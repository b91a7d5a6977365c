/**
 * `--cold`: fresh processes. First the cold table (`table.ts`: every in-memory scenario in fresh
 * processes, a 10 % warm-up then one measured run), then the first run of a new process: each
 * engine's script (`floor.mjs`, `eventloom.mjs`, `llamaindex.mjs` beside this file: plain
 * JavaScript, so no TypeScript loader is timed) is spawned as a new `node` process that imports
 * the engine (the built packages, as users install them), defines a 3-step chain and runs it once.
 * The parent times spawn to the first result line (Node's own start-up included); the child
 * reports its import and first-run times on its own clock. Spawns are interleaved across engines,
 * one at a time.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measured, median, type Row } from "../report.js";
import { sample } from "../sample.js";
import type { EngineName, Sizes } from "../scenarios.js";
import { coldTable } from "./table.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const STEPS = 3;

interface ChildReport {
  readonly result: number;
  /** ms the child spent importing its engine; null for the floor, which imports nothing. */
  readonly importMs: number | null;
  /** ms from the imports being loaded to the first run's result. */
  readonly runMs: number;
  /** Eventloom only: the import split by package, in ms. */
  readonly parts?: Readonly<Record<string, number>>;
}

/** Spawns one engine's script; resolves to the ms from spawn to its result line, and its report. */
function spawnOnce(engine: EngineName): Promise<{ wallMs: number; report: ChildReport }> {
  // No NODE_OPTIONS: the bench itself runs under tsx, the child must not load it.
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [join(HERE, `${engine}.mjs`)], {
      cwd: HERE,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let wallMs: number | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (wallMs === undefined && out.includes("\n")) wallMs = performance.now() - t0;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0 || wallMs === undefined) {
        reject(new Error(`cold ${engine}: the child exited with ${String(code)}: ${err || out}`));
        return;
      }
      const report = JSON.parse(out.slice(0, out.indexOf("\n"))) as ChildReport;
      if (report.result !== STEPS) {
        reject(new Error(`cold ${engine}: expected result ${STEPS}, got ${report.result}`));
        return;
      }
      resolve({ wallMs, report });
    });
  });
}

const ENGINES: readonly { readonly name: EngineName }[] = [
  { name: "floor" },
  { name: "eventloom" },
  { name: "llamaindex" },
];

export async function coldScenario(s: Sizes, log: (line: string) => void): Promise<Row[]> {
  const table = await coldTable(s, log);
  const imports = new Map<EngineName, number[]>(ENGINES.map((e) => [e.name, []]));
  const runs = new Map<EngineName, number[]>(ENGINES.map((e) => [e.name, []]));
  const parts = new Map<string, number[]>();
  // One warm-up spawn each: the first reads the files from disk, later ones from the page cache
  // (what a restarting server or a CLI run again sees). The smoke run spawns each once.
  const wall = await sample(
    { reps: s.coldSpawns, warmups: s.coldSpawns > 1 ? 1 : 0 },
    ENGINES,
    async (e, warmUp) => {
      const { wallMs, report } = await spawnOnce(e.name);
      if (!warmUp) {
        if (report.importMs !== null) imports.get(e.name)!.push(report.importMs);
        runs.get(e.name)!.push(report.runMs);
        for (const [name, ms] of Object.entries(report.parts ?? {})) {
          parts.set(name, [...(parts.get(name) ?? []), ms]);
        }
      }
      return wallMs;
    },
  );
  const asNs = (samples: Map<EngineName, number[]>): Row["values"] => {
    const values: Row["values"] = {};
    for (const [name, ms] of samples) {
      values[name] = ms.length === 0 ? "none" : measured(ms.map((m) => m * 1e6));
    }
    return values;
  };
  return [
    ...table,
    {
      scenario: "cold",
      label: "cold: spawn to first result (new node process, 3-step chain)",
      unit: "wall",
      kind: "ns",
      values: asNs(wall),
      note: "includes Node's own start-up, the same for every engine (the floor imports nothing)",
    },
    {
      scenario: "cold",
      label: "cold: import of the engine (in the child)",
      unit: "wall",
      kind: "ns",
      values: asNs(imports),
      note: `Eventloom's is @eventloom/core with its rxjs and @opentelemetry/api, and zod (its events need it); medians by package: ${[
        ...parts,
      ]
        .map(([name, ms]) => `${name} ${median(ms).toFixed(1)} ms`)
        .join(", ")}`,
    },
    {
      scenario: "cold",
      label: "cold: first run, define + run (in the child)",
      unit: "wall",
      kind: "ns",
      values: asNs(runs),
    },
  ];
}
