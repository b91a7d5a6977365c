export {
  inspectorAssets,
  type InspectorAsset,
  type InspectorAssets,
  type InspectorAssetsOptions,
} from "./inspector-assets.js";
export {
  workflowGraph,
  type GraphPoint,
  type WorkflowGraph,
  type WorkflowGraphEdge,
  type WorkflowGraphGroup,
  type WorkflowGraphNode,
} from "./workflow-graph.js";
