/**
 * The in-memory scenarios as the cold table runs them: one execution of each at given sizes (the
 * same engine calls and checks as `run.ts`), its row label and unit, and the 10 % warm-up sizes.
 */
import { fanoutOnce } from "../fanout-once.js";
import type { Kind } from "../report.js";
import { timed } from "../sample.js";
import type { Engine, Sizes } from "../scenarios.js";

export const COLD_SCENARIOS = [
  "chain",
  "loop",
  "fanout",
  "fanout_io",
  "concurrent_runs",
  "stream",
] as const;

export type ColdScenario = (typeof COLD_SCENARIOS)[number];

export interface Workload {
  /** The hot table's label for the same work (the cold row prefixes it with "cold "). */
  readonly label: string;
  readonly unit: string;
  readonly kind: Kind;
  /** Units the ms are divided by for a per-unit row; 1 for a wall-time row (kind "ms"). */
  readonly units: number;
  /** One execution; resolves to its ms, after checking its count. */
  run(e: Engine): Promise<number>;
}

/** The sizes of the warm-up run: 10 % of every count of work, at least 1; shapes unchanged. */
export function tenth(s: Sizes): Sizes {
  const cut = (n: number) => Math.max(1, Math.round(n / 10));
  return {
    ...s,
    chainRuns: cut(s.chainRuns),
    loop: cut(s.loop),
    fanout: cut(s.fanout),
    concurrentRuns: cut(s.concurrentRuns),
    stream: cut(s.stream),
  };
}

export function workload(name: ColdScenario, s: Sizes): Workload {
  switch (name) {
    case "chain": {
      const units = s.chainRuns * s.chainSteps;
      return {
        label: `chain (${s.chainRuns} sequential runs x ${s.chainSteps} steps)`,
        unit: "per step",
        kind: "ns",
        units,
        run: (e) => timed(`${e.name} chain`, units, () => e.chain(s.chainRuns, s.chainSteps)),
      };
    }
    case "loop":
      return {
        label: `loop (1 run, ${s.loop} events)`,
        unit: "per event",
        kind: "ns",
        units: s.loop,
        run: (e) => timed(`${e.name} loop`, s.loop, () => e.loop(s.loop)),
      };
    case "fanout":
      return {
        label: `fanout (${s.fanout} events, ${s.workers} workers, fan-in)`,
        unit: "per event",
        kind: "ns",
        units: s.fanout,
        run: (e) => fanoutOnce(e, s.fanout, s.workers, 0),
      };
    case "fanout_io":
      return {
        label: `fanout_io (${s.fanout} x ${s.ioMs} ms I/O, ${s.workers} workers; ideal ${(s.fanout / s.workers) * s.ioMs} ms)`,
        unit: "wall",
        kind: "ms",
        units: 1,
        run: (e) => fanoutOnce(e, s.fanout, s.workers, s.ioMs),
      };
    case "concurrent_runs": {
      const units = s.concurrentRuns * s.concurrentSteps;
      return {
        label: `concurrent_runs (${s.concurrentRuns} runs x ${s.concurrentSteps} steps at once)`,
        unit: "per step",
        kind: "ns",
        units,
        run: (e) =>
          timed(`${e.name} concurrent_runs`, units, () =>
            e.concurrentRuns(s.concurrentRuns, s.concurrentSteps, () => {}),
          ),
      };
    }
    case "stream":
      return {
        label: `stream (1 run writes ${s.stream} events, for await)`,
        unit: "per event",
        kind: "ns",
        units: s.stream,
        run: (e) => timed(`${e.name} stream`, s.stream, () => e.stream(s.stream)),
      };
  }
}
