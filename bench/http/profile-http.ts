/**
 * Serves the http scenario's 3-step workflow with `@eventloom/server` (or the floor's bare Hono
 * route) under autocannon load from `load.mjs` in a child process, for a CPU profile of the
 * server side:
 *   node --cpu-prof --cpu-prof-dir=.cache/prof --conditions=@eventloom/source --import tsx \
 *     bench/http/profile-http.ts [eventloom|floor|both] [requests=20000] [rounds=1]
 * then `node bench/profile-summary.mjs .cache/prof/<file>.cpuprofile`. `both` alternates the
 * sides `rounds` times and prints the median ratios of wall time and of this process's CPU time
 * per request (a quick check, not the benchmark; CPU time suffers less from a loaded machine).
 */
import { httpServers, loadGenerator } from "./http.js";

const which = process.argv[2] ?? "eventloom";
const requests = Number(process.argv[3] ?? 20_000);
const rounds = Number(process.argv[4] ?? 1);
const sides = (which === "both" ? ["floor", "eventloom"] : [which]) as ("floor" | "eventloom")[];
const servers = await httpServers();
const generator = await loadGenerator();
const ratios: number[] = [];
const cpuRatios: number[] = [];
try {
  for (let r = 0; r < rounds; r++) {
    const us: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    for (const side of sides) {
      const before = process.cpuUsage();
      const report = await generator.run(servers[side].url, requests, 20);
      const used = process.cpuUsage(before);
      us[side] = (report.wallMs * 1000) / requests;
      cpu[side] = (used.user + used.system) / requests;
      console.log(
        `${side}: ${us[side].toFixed(1)} µs per request, ${cpu[side].toFixed(1)} µs of this process's CPU per request, ${report["2xx"]} 2xx`,
      );
    }
    if (us["floor"] !== undefined && us["eventloom"] !== undefined) {
      ratios.push(us["eventloom"] / us["floor"]);
      cpuRatios.push(cpu["eventloom"]! / cpu["floor"]!);
    }
  }
  if (ratios.length > 0) {
    ratios.sort((a, b) => a - b);
    cpuRatios.sort((a, b) => a - b);
    console.log(
      `eventloom / floor, median of ${ratios.length}: ${ratios[ratios.length >> 1]!.toFixed(2)}x wall, ${cpuRatios[cpuRatios.length >> 1]!.toFixed(2)}x CPU`,
    );
  }
} finally {
  generator.close();
  await servers.floor.close();
  await servers.eventloom.close();
}
