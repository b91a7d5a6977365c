/**
 * Runs one scenario on Eventloom alone, for a CPU profile of the core:
 *   node --cpu-prof --cpu-prof-dir=.cache/prof --conditions=@eventloom/source --import tsx \
 *     bench/profile.ts chain
 * then `node bench/profile-summary.mjs .cache/prof/<file>.cpuprofile` lists the top self time.
 */
import { eventloom } from "./engines/eventloom.js";
import { FULL, Probe } from "./scenarios.js";

const scenario = process.argv[2] ?? "chain";
const rounds = Number(process.argv[3] ?? 10);
const s = FULL;
const work: Record<string, () => Promise<number>> = {
  chain: () => eventloom.chain(s.chainRuns, s.chainSteps),
  loop: () => eventloom.loop(s.loop),
  fanout: () => eventloom.fanout(s.fanout, s.workers, 0, new Probe()),
  concurrent_runs: () => eventloom.concurrentRuns(s.concurrentRuns, s.concurrentSteps, () => {}),
  stream: () => eventloom.stream(s.stream),
};
const run = work[scenario];
if (run === undefined) throw new Error(`profile takes one of: ${Object.keys(work).join(", ")}`);
const t0 = performance.now();
for (let i = 0; i < rounds; i++) await run();
console.log(`${scenario}: ${rounds} rounds in ${(performance.now() - t0).toFixed(0)} ms`);
