import { writeFileSync } from "node:fs";
import { WorkflowHandler, WorkflowValidationError } from "@eventloom/core";
import type { DrawOptions } from "./draw-all-possible-flows.js";
import { buildExecutionGraph } from "./internal/execution.js";
import { renderHtml } from "./internal/html.js";

/**
 * Draws the path a run took, from `handler.history`: each step and event it went through, the
 * edges labelled with how often they were taken (loops), the failing step marked when the run
 * failed, and the invocations in order in the side panel. Same page as
 * {@link drawAllPossibleFlows}: self-contained, offline.
 *
 * Returns the HTML, and writes it to `filename` when given.
 *
 * @example
 * const handler = workflow.run({ payload: "NVDA" });
 * await handler;
 * drawMostRecentExecution(handler, { filename: "last_run.html" });
 */
export function drawMostRecentExecution(
  handler: WorkflowHandler<unknown>,
  options: DrawOptions = {},
): string {
  if (!(handler instanceof WorkflowHandler)) {
    throw new WorkflowValidationError(
      "drawMostRecentExecution takes the handler that workflow.run() returned",
    );
  }
  const html = renderHtml(buildExecutionGraph(handler));
  if (options.filename !== undefined) writeFileSync(options.filename, html);
  return html;
}
