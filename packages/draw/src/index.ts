export { drawAllPossibleFlows, type DrawOptions } from "./draw-all-possible-flows.js";
export { type FlowsLayout, layoutAllPossibleFlows } from "./layout-all-possible-flows.js";
export { drawMostRecentExecution } from "./draw-most-recent-execution.js";
export { toMermaid } from "./to-mermaid.js";
export type { WorkflowSource } from "./workflow-source.js";
