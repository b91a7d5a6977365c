/**
 * The child process of the cold table: `node --import tsx cold/scenario-child.ts <engine>
 * <scenario[,scenario]> <sizes JSON>` imports that one engine (the hot bench's own
 * `engines/*.ts`, on the built packages), and for each scenario runs a warm-up at 10 % of the work,
 * then one measured run, and prints `{ scenario, engine, warmUpMs, ms }` as one JSON line.
 */
import type { Engine, EngineName, Sizes } from "../scenarios.js";
import { COLD_SCENARIOS, type ColdScenario, tenth, workload } from "./workloads.js";

const ENGINES: Record<EngineName, () => Promise<Engine>> = {
  floor: async () => (await import("../engines/floor.js")).floor,
  eventloom: async () => (await import("../engines/eventloom.js")).eventloom,
  llamaindex: async () => (await import("../engines/llamaindex.js")).llamaindex,
};

const [engineName, list, sizesJson] = process.argv.slice(2);
const load = ENGINES[engineName as EngineName];
if (load === undefined || list === undefined || sizesJson === undefined) {
  throw new Error(
    "usage: scenario-child.ts <floor|eventloom|llamaindex> <scenario[,...]> <sizes JSON>",
  );
}
const names = list.split(",") as ColdScenario[];
for (const name of names) {
  if (!COLD_SCENARIOS.includes(name)) throw new Error(`unknown cold scenario ${name}`);
}
const sizes = JSON.parse(sizesJson) as Sizes;
const engine = await load();
for (const name of names) {
  const warmUpMs = await workload(name, tenth(sizes)).run(engine);
  const ms = await workload(name, sizes).run(engine);
  process.stdout.write(
    `${JSON.stringify({ scenario: name, engine: engine.name, warmUpMs, ms })}\n`,
  );
}
