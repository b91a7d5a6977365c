/**
 * The benchmark: Eventloom, @llamaindex/workflow-core and a hand-written floor doing identical
 * work in one process. `pnpm bench` (full sizes), `pnpm bench:smoke` (tiny sizes, one
 * repetition: checks that every scenario runs), `--only <scenario>`, `--strict` (exit 1 when a
 * target fails). Prints one Markdown table and the targets; writes bench/results/latest.json.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { context as otelContext } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { eventloom } from "./engines/eventloom.js";
import { floor } from "./engines/floor.js";
import { fanoutOnce } from "./fanout-once.js";
import { llamaindex } from "./engines/llamaindex.js";
import { type Row, judge, measured, median, renderTable, renderTargets } from "./report.js";
import { asIs, perUnit, sample, timed } from "./sample.js";
import {
  type Engine,
  type EngineName,
  FULL,
  Probe,
  SCENARIOS,
  SMOKE,
  SOLO_SCENARIOS,
  type ScenarioName,
  type Sizes,
} from "./scenarios.js";

/**
 * The engines in the order they are measured: the floor and Eventloom through every scenario
 * first, then the peer. The peer cannot go first or in between: its handlers run inside
 * AsyncLocalStorage, which switches on Node's async hooks for the whole process for good, and
 * that alone made Eventloom's chain 3x slower (1.5 -> 5.1 µs per step) while the floor was
 * unaffected. An application using the peer pays that; Eventloom is not measured under it.
 */
const PHASES: readonly (readonly Engine[])[] = [[floor, eventloom], [llamaindex]];

interface Cli {
  readonly smoke: boolean;
  readonly only: readonly ScenarioName[] | undefined;
  readonly strict: boolean;
}

function parseArgs(argv: readonly string[]): Cli {
  let smoke = false;
  let strict = false;
  let only: ScenarioName[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--smoke") smoke = true;
    else if (arg === "--strict") strict = true;
    else if (arg === "--cold") (only ??= []).push("cold");
    else if (arg === "--only") {
      const list = argv[++i];
      for (const name of String(list).split(",")) {
        if (!SCENARIOS.includes(name as ScenarioName)) {
          throw new Error(
            `--only takes one or more (comma-separated) of: ${SCENARIOS.join(", ")}; got ${String(name)}`,
          );
        }
        (only ??= []).push(name as ScenarioName);
      }
    } else
      throw new Error(
        `unknown argument ${String(arg)}; use --smoke, --only <scenario[,scenario]>, --cold, --strict`,
      );
  }
  return { smoke, only, strict };
}

const gc: () => void =
  typeof globalThis.gc === "function"
    ? (globalThis.gc as () => void)
    : () => {
        throw new Error("run node with --expose-gc (the pnpm bench scripts do)");
      };

/**
 * A full collection, then a pause for V8's concurrent sweeping. Only before memory readings:
 * a forced full GC makes Eventloom's next hundred milliseconds 3-4x slower (the floor is
 * unaffected), and no server collects between requests, so timed runs never follow one.
 */
async function settle(): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

const heapUsed = () => process.memoryUsage().heapUsed;

/** Median 1x times (ms) of the loop and fanout scenarios, so `scale` can skip re-timing them. */
const oneX = new Map<string, number>();
function remember(key: string, samples: Map<EngineName, number[]>): void {
  for (const [engine, ms] of samples) oneX.set(`${key} ${engine}`, median(ms));
}

/** A span exporter that drops spans after counting them: the cost measured is the SDK's. */
class CountingExporter implements SpanExporter {
  count = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    this.count += spans.length;
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

const TRACING = "tracing (chain with OTel SDK, BatchSpanProcessor)";
const TRACING_OVERHEAD = "tracing overhead (with SDK / no SDK)";

type Scenario = (
  sizes: Sizes,
  engines: readonly Engine[],
  log: (line: string) => void,
) => Promise<Row[]>;

const scenarios: Record<ScenarioName, Scenario> = {
  async chain(s, engines) {
    const units = s.chainRuns * s.chainSteps;
    const samples = await sample(s, engines, (e) =>
      timed(`${e.name} chain`, units, () => e.chain(s.chainRuns, s.chainSteps)),
    );
    return [
      {
        scenario: "chain",
        label: `chain (${s.chainRuns} sequential runs x ${s.chainSteps} steps)`,
        unit: "per step",
        kind: "ns",
        values: perUnit(samples, units),
      },
    ];
  },

  async loop(s, engines) {
    const samples = await sample(s, engines, (e) =>
      timed(`${e.name} loop`, s.loop, () => e.loop(s.loop)),
    );
    remember("loop", samples);
    return [
      {
        scenario: "loop",
        label: `loop (1 run, ${s.loop} events)`,
        unit: "per event",
        kind: "ns",
        values: perUnit(samples, s.loop),
      },
    ];
  },

  async fanout(s, engines) {
    const samples = await sample(s, engines, (e) => fanoutOnce(e, s.fanout, s.workers, 0));
    remember("fanout", samples);
    return [
      {
        scenario: "fanout",
        label: `fanout (${s.fanout} events, ${s.workers} workers, fan-in)`,
        unit: "per event",
        kind: "ns",
        values: perUnit(samples, s.fanout),
      },
    ];
  },

  async fanout_io(s, engines) {
    const samples = await sample(s, engines, (e) => fanoutOnce(e, s.fanout, s.workers, s.ioMs));
    const ideal = (s.fanout / s.workers) * s.ioMs;
    return [
      {
        scenario: "fanout_io",
        label: `fanout_io (${s.fanout} x ${s.ioMs} ms I/O, ${s.workers} workers; ideal ${ideal} ms)`,
        unit: "wall",
        kind: "ms",
        values: asIs(samples),
      },
    ];
  },

  async concurrent_runs(s, engines) {
    const units = s.concurrentRuns * s.concurrentSteps;
    const samples = await sample(s, engines, (e) =>
      timed(`${e.name} concurrent_runs`, units, () =>
        e.concurrentRuns(s.concurrentRuns, s.concurrentSteps, () => {}),
      ),
    );
    // Memory in separate, untimed runs: a collection first, then the heap once every run has
    // started and again when all have finished; the larger growth counts.
    const peaks = await sample({ ...s, warmups: 0 }, engines, async (e) => {
      await settle();
      const base = heapUsed();
      let peak = 0;
      const count = await e.concurrentRuns(s.concurrentRuns, s.concurrentSteps, () => {
        peak = heapUsed();
      });
      if (count !== units) throw new Error(`${e.name} concurrent_runs: count ${count}`);
      return (Math.max(peak, heapUsed()) - base) / s.concurrentRuns;
    });
    return [
      {
        scenario: "concurrent_runs",
        label: `concurrent_runs (${s.concurrentRuns} runs x ${s.concurrentSteps} steps at once)`,
        unit: "per step",
        kind: "ns",
        values: perUnit(samples, units),
      },
      {
        scenario: "concurrent_runs",
        label: "concurrent_runs heap growth at peak",
        unit: "per run",
        kind: "bytes",
        values: asIs(peaks),
      },
    ];
  },

  async stream(s, engines) {
    const samples = await sample(s, engines, (e) =>
      timed(`${e.name} stream`, s.stream, () => e.stream(s.stream)),
    );
    return [
      {
        scenario: "stream",
        label: `stream (1 run writes ${s.stream} events, for await)`,
        unit: "per event",
        kind: "ns",
        values: perUnit(samples, s.stream),
      },
    ];
  },

  async tracing(s, engines) {
    const units = s.chainRuns * s.chainSteps;
    const spansPerRep = s.chainRuns * (s.chainSteps + 1);
    const traced = engines.filter((e) => e.tracedChain !== undefined);
    const untraced: Row["values"] = {};
    for (const e of engines) if (e.tracedChain === undefined) untraced[e.name] = "no OTel";
    if (traced.length === 0) {
      return [
        { scenario: "tracing", label: TRACING, unit: "per step", kind: "ns", values: untraced },
        {
          scenario: "tracing",
          label: TRACING_OVERHEAD,
          unit: "ratio",
          kind: "ratio",
          values: { ...untraced },
        },
      ];
    }
    const exporter = new CountingExporter();
    const processor = new BatchSpanProcessor(exporter, { maxQueueSize: 2 * spansPerRep });
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    const tracer = provider.getTracer("bench");
    // What an application with the SDK registers: without a context manager nothing nests.
    const manager = new AsyncLocalStorageContextManager().enable();
    otelContext.setGlobalContextManager(manager);
    try {
      const withSdk = await sample(s, traced, async (e) => {
        const before = exporter.count;
        const ms = await timed(`${e.name} tracing`, units, () =>
          e.tracedChain!(s.chainRuns, s.chainSteps, tracer),
        );
        await processor.forceFlush();
        if (exporter.count - before !== spansPerRep) {
          throw new Error(
            `${e.name} tracing: expected ${spansPerRep} spans, exported ${exporter.count - before}`,
          );
        }
        return ms;
      });
      const without = await sample(s, traced, (e) =>
        timed(`${e.name} chain`, units, () => e.chain(s.chainRuns, s.chainSteps)),
      );
      const overhead: Row["values"] = {};
      for (const e of traced) {
        overhead[e.name] = measured([median(withSdk.get(e.name)!) / median(without.get(e.name)!)]);
      }
      const values = perUnit(withSdk, units);
      return [
        {
          scenario: "tracing",
          label: TRACING,
          unit: "per step",
          kind: "ns",
          values: { ...values, ...untraced },
        },
        {
          scenario: "tracing",
          label: TRACING_OVERHEAD,
          unit: "ratio",
          kind: "ratio",
          values: { ...overhead, ...untraced },
        },
      ];
    } finally {
      otelContext.disable();
      await provider.shutdown();
    }
  },

  async scale(s, engines, log) {
    const rows: Row[] = [];
    const loops: [string, number, (e: Engine, n: number) => Promise<number>][] = [
      ["loop", s.loop, (e, n) => timed(`${e.name} loop`, n, () => e.loop(n))],
      ["fanout", s.fanout, (e, n) => fanoutOnce(e, n, s.workers, 0)],
    ];
    for (const [name, n, work] of loops) {
      const big = n * s.scale;
      // The peer's loop is quadratic (every event walks its whole chain of parent handlers on
      // its way to the stream), so its 10x loop would take many minutes: an engine runs at 10x
      // only if one 1x run, scaled quadratically, stays under a minute.
      const measuredEngines: Engine[] = [];
      for (const e of engines) {
        const t1 = oneX.get(`${name} ${e.name}`) ?? (await work(e, n));
        if (t1 * s.scale * s.scale < 60_000) measuredEngines.push(e);
        else log(`scale ${name}: ${e.name} skipped at 10x (1x took ${t1.toFixed(0)} ms)`);
      }
      // 1x and 10x measured back to back in each repetition, so both see the same conditions;
      // growth = (10x time / 10x events) / (1x time / 1x events), its median over repetitions.
      const perEvent = new Map<EngineName, number[]>(measuredEngines.map((e) => [e.name, []]));
      const growth = await sample({ ...s, warmups: 1 }, measuredEngines, async (e, warmUp) => {
        const t1 = await work(e, n);
        const t10 = await work(e, big);
        if (!warmUp) perEvent.get(e.name)!.push((t10 * 1e6) / big);
        return t10 / s.scale / t1;
      });
      const bigValues = asIs(perEvent);
      const growthValues = asIs(growth);
      for (const e of engines) {
        if (!measuredEngines.includes(e)) {
          bigValues[e.name] = "skipped (> 60 s)";
          growthValues[e.name] = "quadratic";
        }
      }
      rows.push(
        {
          scenario: "scale",
          label: `scale ${name} (${big} events)`,
          unit: "per event",
          kind: "ns",
          values: bigValues,
        },
        {
          scenario: "scale",
          label: `scale ${name} growth (per-event cost ${s.scale}x / 1x)`,
          unit: "ratio",
          kind: "ratio",
          values: growthValues,
        },
      );
    }
    return rows;
  },

  // Imported when they run: the engine scenarios before them run in a process that has not
  // loaded better-sqlite3, pg, Hono, the server or the NATS client.
  sqlite: async (s) => (await import("./durable/sqlite.js")).sqliteScenario(s),
  postgres: async (s, _engines, log) =>
    (await import("./durable/postgres.js")).postgresScenario(s, log),
  http: async (s, _engines, log) => (await import("./http/http.js")).httpScenario(s, log),
  sse: async (s, _engines, log) => (await import("./http/sse.js")).sseScenario(s, log),
  nats: async (s, _engines, log) => (await import("./nats/nats.js")).natsScenario(s, log),
  cold: async (s, _engines, log) => (await import("./cold/cold.js")).coldScenario(s, log),

  async idle_memory(s, engines) {
    const samples = await sample(s, engines, async (e) => {
      const probe = new Probe();
      await settle();
      const base = heapUsed();
      let used = 0;
      const ended = await e.idle(s.idleRuns, probe, () => {
        gc();
        used = heapUsed() - base;
      });
      if (ended !== s.idleRuns)
        throw new Error(`${e.name} idle: ${ended} of ${s.idleRuns} runs ended`);
      return used / s.idleRuns;
    });
    return [
      {
        scenario: "idle_memory",
        label: `idle_memory (${s.idleRuns} runs waiting for an event)`,
        unit: "per run",
        kind: "bytes",
        values: asIs(samples),
      },
    ];
  },
};

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const sizes = cli.smoke ? SMOKE : FULL;
  const names = cli.only === undefined ? SCENARIOS : SCENARIOS.filter((n) => cli.only!.includes(n));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const byLabel = new Map<string, Row>();
  const started = performance.now();
  for (const [phase, engines] of PHASES.entries()) {
    for (const name of names) {
      // The solo scenarios fill every column themselves, in the first phase (before the peer
      // switches async hooks on for the process).
      if (SOLO_SCENARIOS.includes(name) && phase > 0) continue;
      const t0 = performance.now();
      const phaseSizes = engines.includes(llamaindex)
        ? sizes
        : { ...sizes, reps: sizes.fastReps, warmups: sizes.fastWarmups };
      const who = SOLO_SCENARIOS.includes(name) ? "solo" : engines.map((e) => e.name).join(" + ");
      for (const row of await scenarios[name](phaseSizes, engines, log)) {
        const seen = byLabel.get(row.label);
        byLabel.set(
          row.label,
          seen === undefined ? row : { ...seen, values: { ...seen.values, ...row.values } },
        );
      }
      log(`${name} (${who}): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  const rows = [...byLabel.values()];
  const targets = judge(rows);
  const meta = {
    date: new Date().toISOString(),
    mode: cli.smoke ? "smoke" : "full",
    node: process.version,
    cpu: os.cpus()[0]?.model ?? "unknown",
    cpus: os.cpus().length,
    commit: gitCommit(),
    sizes,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  const method =
    names.length === 1 && names[0] === "cold"
      ? "cold: every engine and scenario in fresh processes, see the notes"
      : `median of ${sizes.fastReps} after ${sizes.fastWarmups} warm-ups for the floor and Eventloom, of ${sizes.reps} after ${sizes.warmups} for the peer`;
  console.log(
    `\nEventloom benchmark (${meta.mode}; node ${meta.node}; ${meta.cpus} x ${meta.cpu}; ${method})\n`,
  );
  console.log(renderTable(rows));
  const notes = rows.flatMap((r) => (r.note === undefined ? [] : [`- ${r.label}: ${r.note}`]));
  if (notes.length > 0) console.log(`\nNotes:\n\n${notes.join("\n")}`);
  console.log(`\nTargets${cli.smoke ? " (smoke sizes: not meaningful)" : ""}:\n`);
  console.log(renderTargets(targets));
  const out = join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ meta, rows, targets }, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
  if (cli.strict && targets.some((t) => t.pass === false)) process.exitCode = 1;
}

await main();
