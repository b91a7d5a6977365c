import { writeFileSync } from "node:fs";
import { buildFlowGraph } from "./internal/flows.js";
import { renderHtml } from "./internal/html.js";
import { type WorkflowSource, resolveWorkflow } from "./workflow-source.js";

/** Options of {@link drawAllPossibleFlows} and {@link drawMostRecentExecution}. */
export interface DrawOptions {
  /** Where to write the HTML page; nothing is written when omitted. */
  readonly filename?: string;
}

/**
 * Draws every step and event of a workflow as one self-contained HTML page: events feed the
 * steps that accept them, steps point to the events they may emit; start and stop events, the
 * human-in-the-loop path and nested workflows (services that are workflows) are marked. The
 * page loads nothing from the network; it pans, zooms and shows each node's options on click.
 *
 * A class is instantiated with no arguments; pass an instance to draw its registered services.
 * Returns the HTML, and writes it to `filename` when given.
 *
 * @example
 * drawAllPossibleFlows(ComplexTradeMonitor, { filename: "complex_trade_monitor.html" });
 */
export function drawAllPossibleFlows(workflow: WorkflowSource, options: DrawOptions = {}): string {
  const html = renderHtml(buildFlowGraph(resolveWorkflow(workflow, "drawAllPossibleFlows")));
  if (options.filename !== undefined) writeFileSync(options.filename, html);
  return html;
}
