/**
 * A quick floor-vs-Eventloom comparison for working on the core's hot paths (no peer, no JSON):
 *   node --conditions=@eventloom/source --import tsx bench/quick.ts [scenario ...]
 * Prints, per scenario, the median per-unit time of each engine over 11 interleaved repetitions
 * and Eventloom's ratio to the floor, then the fastest repetitions' ratio (steadier on a loaded machine). `--cpu` measures the process's CPU time instead of wall
 * time: steadier while other processes load the machine. `pnpm bench` is the benchmark of record.
 */
import { eventloom } from "./engines/eventloom.js";
import { floor } from "./engines/floor.js";
import { FULL, Probe, type Engine } from "./scenarios.js";

const s = FULL;
const scenarios: Record<string, { units: number; run: (e: Engine) => Promise<number> }> = {
  chain: { units: s.chainRuns * s.chainSteps, run: (e) => e.chain(s.chainRuns, s.chainSteps) },
  loop: { units: s.loop, run: (e) => e.loop(s.loop) },
  fanout: { units: s.fanout, run: (e) => e.fanout(s.fanout, s.workers, 0, new Probe()) },
  concurrent_runs: {
    units: s.concurrentRuns * s.concurrentSteps,
    run: (e) => e.concurrentRuns(s.concurrentRuns, s.concurrentSteps, () => {}),
  },
  stream: { units: s.stream, run: (e) => e.stream(s.stream) },
};
const args = process.argv.slice(2);
const cpu = args.includes("--cpu");
const clock = cpu
  ? () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    }
  : () => performance.now();
const picked = args.filter((a) => !a.startsWith("--"));
const names = picked.length > 0 ? picked : Object.keys(scenarios);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const name of names) {
  const sc = scenarios[name];
  if (sc === undefined) throw new Error(`scenarios: ${Object.keys(scenarios).join(", ")}`);
  const times: Record<string, number[]> = { floor: [], eventloom: [] };
  for (let rep = 0; rep < 13; rep++) {
    for (const engine of [floor, eventloom]) {
      const t0 = clock();
      await sc.run(engine);
      if (rep >= 2) times[engine.name]!.push(((clock() - t0) * 1e6) / sc.units);
    }
  }
  const f = median(times["floor"]!);
  const e = median(times["eventloom"]!);
  const fMin = Math.min(...times["floor"]!);
  const eMin = Math.min(...times["eventloom"]!);
  console.log(
    `${name.padEnd(16)} floor ${f.toFixed(0).padStart(6)} ns  eventloom ${e.toFixed(0).padStart(6)} ns  ratio ${(e / f).toFixed(2)}x  (fastest: ${fMin.toFixed(0)} / ${eMin.toFixed(0)} ns, ${(eMin / fMin).toFixed(2)}x)`,
  );
}
