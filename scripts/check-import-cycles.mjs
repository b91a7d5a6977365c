#!/usr/bin/env node
// Fails when the relative imports of a package's src/ form a circle. Type-only imports count
// too: a circle of types is still a circle a reader has to untangle. Run by `pnpm lint`.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const roots = process.argv.slice(2).length
  ? process.argv.slice(2).map((p) => resolve(p))
  : readdirSync(join(root, "packages"))
      .map((p) => join(root, "packages", p, "src"))
      .filter((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory());

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.ts$/.test(name) && !/\.test(-d)?\.ts$/.test(name) ? [path] : [];
  });
}

let failed = false;
for (const src of roots) {
  const graph = new Map();
  for (const file of files(src)) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
    const deps = [];
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2];
      deps.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
    }
    graph.set(file, deps);
  }
  // Tarjan's strongly connected components: any component of two or more files is a circle.
  let index = 0;
  const stack = [];
  const meta = new Map();
  const circles = [];
  const visit = (v) => {
    const m = { index, low: index, onStack: true };
    index++;
    meta.set(v, m);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      const mw = meta.get(w);
      if (mw === undefined) {
        visit(w);
        m.low = Math.min(m.low, meta.get(w).low);
      } else if (mw.onStack) m.low = Math.min(m.low, mw.index);
      if (w === v) circles.push([v]);
    }
    if (m.low === m.index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        meta.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) circles.push(component);
    }
  };
  for (const v of graph.keys()) if (!meta.has(v)) visit(v);
  for (const c of circles) {
    failed = true;
    console.error(
      `Import circle in ${relative(root, src)}: ${c
        .map((f) => relative(src, f))
        .sort()
        .join(", ")}`,
    );
  }
}
if (failed) {
  console.error(
    "Break the circle: move the shared piece down a layer, or declare the interface a lower file needs in that file (see packages/core/ARCHITECTURE.md).",
  );
  process.exit(1);
}
console.log(`No import circles in ${roots.length} source folders.`);
