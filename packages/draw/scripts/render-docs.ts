/**
 * Renders the drawings of the seed article's workflows into docs/drawings/ (checked in; a test
 * fails when they are stale). Run: `pnpm --filter @eventloom/draw render-docs`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { drawAllPossibleFlows, toMermaid } from "../src/index.js";
import { docsDrawings } from "./docs-drawings.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const out = join(root, "docs/drawings");
mkdirSync(out, { recursive: true });

for (const [name, workflow] of Object.entries(docsDrawings())) {
  const html = join(out, `${name}.html`);
  drawAllPossibleFlows(workflow, { filename: html });
  writeFileSync(join(out, `${name}.mmd`), toMermaid(workflow));
  console.log(`wrote ${relative(root, html)} and ${name}.mmd`);
}
