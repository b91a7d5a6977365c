/**
 * Renders the drawings of the seed article's workflows into docs/drawings/ (checked in).
 * Run from the repository root: `pnpm --filter @eventloom/draw render-docs`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { drawAllPossibleFlows, toMermaid } from "../src/index.js";
import {
  ApprovedTradeMonitor,
  ComplexTradeMonitor,
  SimpleWorkflow,
  TestWorkflow,
  TradeMonitorWorkflow,
  TradeMonitorWorkflowV2,
  TradeStation,
  complexTradeMonitorV2WithStation,
} from "../test/fixtures/seed-workflows.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..");
const out = join(root, "docs/drawings");
mkdirSync(out, { recursive: true });

const drawings = {
  "simple-workflow": new SimpleWorkflow(),
  "trade-monitor-workflow": new TradeMonitorWorkflow(),
  "trade-monitor-workflow-v2": new TradeMonitorWorkflowV2(),
  "complex-trade-monitor": new ComplexTradeMonitor(),
  "trade-station": new TradeStation(),
  "complex-trade-monitor-v2": complexTradeMonitorV2WithStation(),
  "test-workflow-unbound": new TestWorkflow(),
  "approved-trade-monitor": new ApprovedTradeMonitor(),
};

for (const [name, workflow] of Object.entries(drawings)) {
  const html = join(out, `${name}.html`);
  drawAllPossibleFlows(workflow, { filename: html });
  writeFileSync(join(out, `${name}.mmd`), toMermaid(workflow));
  console.log(`wrote ${relative(root, html)} and ${name}.mmd`);
}
