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
import { llamaindex } from "./engines/llamaindex.js";
import { type Row, judge, measured, median, renderTable, renderTargets } from "./report.js";
import {
  type Engine,
  type EngineName,
  FULL,
  Probe,
  SCENARIOS,
  SMOKE,
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
  readonly only: ScenarioName | undefined;
  readonly strict: boolean;
}

function parseArgs(argv: readonly string[]): Cli {
  let smoke = false;
  let strict = false;
  let only: ScenarioName | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--smoke") smoke = true;
    else if (arg === "--strict") strict = true;
    else if (arg === "--only") {
      const name = argv[++i];
      if (!SCENARIOS.includes(name as ScenarioName)) {
        throw new Error(`--only takes one of: ${SCENARIOS.join(", ")}; got ${String(name)}`);
      }
      only = name as ScenarioName;
    } else
      throw new Error(`unknown argument ${String(arg)}; use --smoke, --only <scenario>, --strict`);
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

/** One timed execution of a workload; throws if the returned count is not the expected one. */
async function timed(what: string, expected: number, work: () => Promise<number>): Promise<number> {
  const t0 = performance.now();
  const count = await work();
  const ms = performance.now() - t0;
  if (count !== expected) throw new Error(`${what}: expected count ${expected}, got ${count}`);
  return ms;
}

/** An engine whose single run takes longer than this gets fewer repetitions (see `sample`). */
const SLOW_RUN_MS = 5_000;
const SLOW_REPS = 3;

/**
 * Runs `work` for each engine: warm-ups, then the measured repetitions interleaved across
 * engines (so load from other processes spreads evenly). Returns the samples per engine.
 * An engine whose warm-up run takes more than 5 s (the peer's quadratic loop and stream) is
 * warm after it and gets 3 measured repetitions instead of 5, to keep the suite in minutes.
 */
async function sample(
  sizes: Sizes,
  engines: readonly Engine[],
  work: (engine: Engine, warmUp: boolean) => Promise<number>,
): Promise<Map<EngineName, number[]>> {
  const slow = new Set<EngineName>();
  for (const engine of engines) {
    for (let w = 0; w < sizes.warmups && !slow.has(engine.name); w++) {
      const t0 = performance.now();
      await work(engine, true);
      if (performance.now() - t0 > SLOW_RUN_MS) slow.add(engine.name);
    }
  }
  const out = new Map<EngineName, number[]>(engines.map((e) => [e.name, []]));
  for (let r = 0; r < sizes.reps; r++) {
    // Alternate the order (floor then Eventloom, then the other way round), so neither engine
    // always runs in the other's wake (its garbage, a machine speeding up or slowing down).
    for (const engine of r % 2 === 0 ? engines : [...engines].reverse()) {
      if (slow.has(engine.name) && r >= SLOW_REPS) continue;
      out.get(engine.name)!.push(await work(engine, false));
    }
  }
  return out;
}

/** Median 1x times (ms) of the loop and fanout scenarios, so `scale` can skip re-timing them. */
const oneX = new Map<string, number>();
function remember(key: string, samples: Map<EngineName, number[]>): void {
  for (const [engine, ms] of samples) oneX.set(`${key} ${engine}`, median(ms));
}

function perUnit(samples: Map<EngineName, number[]>, units: number): Row["values"] {
  const values: Row["values"] = {};
  for (const [name, ms] of samples) values[name] = measured(ms.map((m) => (m * 1e6) / units));
  return values;
}

function asIs(samples: Map<EngineName, number[]>): Row["values"] {
  const values: Row["values"] = {};
  for (const [name, xs] of samples) values[name] = measured(xs);
  return values;
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

async function fanoutOnce(e: Engine, n: number, workers: number, ioMs: number): Promise<number> {
  const probe = new Probe();
  const ms = await timed(`${e.name} fanout`, n, () => e.fanout(n, workers, ioMs, probe));
  if (probe.maxActive > workers) {
    throw new Error(
      `${e.name} fanout: ${probe.maxActive} workers ran at once; the limit is ${workers}`,
    );
  }
  if (ioMs > 0 && n >= workers && probe.maxActive !== workers) {
    throw new Error(`${e.name} fanout: only ${probe.maxActive} of ${workers} workers ran at once`);
  }
  return ms;
}

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
  const names = cli.only === undefined ? SCENARIOS : [cli.only];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const byLabel = new Map<string, Row>();
  const started = performance.now();
  for (const engines of PHASES) {
    for (const name of names) {
      const t0 = performance.now();
      const phaseSizes = engines.includes(llamaindex)
        ? sizes
        : { ...sizes, reps: sizes.fastReps, warmups: sizes.fastWarmups };
      for (const row of await scenarios[name](phaseSizes, engines, log)) {
        const seen = byLabel.get(row.label);
        byLabel.set(
          row.label,
          seen === undefined ? row : { ...seen, values: { ...seen.values, ...row.values } },
        );
      }
      const who = engines.map((e) => e.name).join(" + ");
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
  console.log(
    `\nEventloom benchmark (${meta.mode}; node ${meta.node}; ${meta.cpus} x ${meta.cpu}; median of ${sizes.fastReps} after ${sizes.fastWarmups} warm-ups for the floor and Eventloom, of ${sizes.reps} after ${sizes.warmups} for the peer)\n`,
  );
  console.log(renderTable(rows));
  console.log(`\nTargets${cli.smoke ? " (smoke sizes: not meaningful)" : ""}:\n`);
  console.log(renderTargets(targets));
  const out = join(dirname(fileURLToPath(import.meta.url)), "results", "latest.json");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ meta, rows, targets }, null, 2)}\n`);
  console.log(`\nJSON: ${out}`);
  if (cli.strict && targets.some((t) => t.pass === false)) process.exitCode = 1;
}

await main();
