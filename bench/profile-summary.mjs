// Sums a .cpuprofile's self time per function and prints the top entries.
// Usage: node bench/profile-summary.mjs <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";

const [file, topArg] = process.argv.slice(2);
if (file === undefined)
  throw new Error("usage: node bench/profile-summary.mjs <file.cpuprofile> [top]");
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
let total = 0;
profile.samples.forEach((id, i) => {
  const d = dt[i] ?? 0;
  total += d;
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url.replace(/^.*\/(packages|node_modules)\//, "$1/").replace(/^file:\/\//, "");
  const key = `${functionName || "(anonymous)"}  ${where}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + d);
});
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25));
for (const [key, us] of top) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);

// Then the same self time grouped by where the code lives.
const groups = new Map();
for (const [key, us] of self) {
  const where = key.split("  ")[1] ?? "";
  const group = where.startsWith("packages/")
    ? where.split(":")[0]
    : where.startsWith("node_modules/")
      ? where
          .split("/")
          .slice(0, where.startsWith("node_modules/@") ? 3 : 2)
          .join("/")
      : where.startsWith("node:")
        ? "node internals"
        : key.split("  ")[0];
  groups.set(group, (groups.get(group) ?? 0) + us);
}
console.log("\nby location:");
for (const [g, us] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${g}`);
