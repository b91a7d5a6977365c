export {
  inspectorAssets,
  type InspectorAsset,
  type InspectorPageAssets,
  type InspectorAssetsOptions,
} from "./inspector-assets.js";
export {
  workflowGraph,
  type GraphPoint,
  type InspectorGraph,
  type WorkflowGraphEdge,
  type WorkflowGraphGroup,
  type WorkflowGraphNode,
} from "./workflow-graph.js";
