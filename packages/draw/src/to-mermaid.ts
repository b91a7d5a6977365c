import { buildFlowGraph } from "./internal/flows.js";
import { renderMermaid } from "./internal/mermaid.js";
import { type WorkflowSource, resolveWorkflow } from "./workflow-source.js";

/**
 * The graph of {@link drawAllPossibleFlows} as Mermaid flowchart text (left to right), for
 * Markdown, GitHub and docs sites. Steps are rounded boxes, events stadiums, nested workflows
 * subgraphs. The output is stable for a given workflow; names are escaped.
 *
 * @example
 * console.log(toMermaid(SimpleWorkflow));
 * // flowchart LR
 * //   event_StartEvent(["StartEvent"]):::start
 * //   ...
 */
export function toMermaid(workflow: WorkflowSource): string {
  return renderMermaid(buildFlowGraph(resolveWorkflow(workflow, "toMermaid")));
}
