// The graph's shapes, free of imports so the browser page can share them.

/** A point of an edge's route, in the graph's coordinates. */
export interface GraphPoint {
  readonly x: number;
  readonly y: number;
}

/** One box of an {@link InspectorGraph}: a step, an event or the human in the loop. */
export interface WorkflowGraphNode {
  /** Unique in the graph; nodes of a nested workflow are prefixed with their group's id. */
  readonly id: string;
  readonly kind: "step" | "event" | "human";
  /** The step name, the event type name, or "human". */
  readonly label: string;
  /** For events: how the drawer marks it. */
  readonly role?: "start" | "stop" | "input-required" | "human-response" | "plain";
  /** The smaller lines under the label (workers, retry, timeout, services). */
  readonly meta: readonly string[];
  /** The nested-workflow group holding the node, if any. */
  readonly group?: string;
  /** Top-left corner and size. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** Corner radius of the drawn shape. */
  readonly radius: number;
}

/** One arrow of an {@link InspectorGraph}. */
export interface WorkflowGraphEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  /** accepts: event → step; emits: step → event; human: the human-in-the-loop path; runs: a step → a nested workflow. */
  readonly kind: "accepts" | "emits" | "human" | "runs";
  /** The route's points, first to last (the ends touch the nodes' outlines). */
  readonly points: readonly GraphPoint[];
  /** The same route as the SVG path the drawer draws (smoothed). */
  readonly path: string;
}

/** A nested workflow (a service that is a workflow) drawn around its nodes. */
export interface WorkflowGraphGroup {
  readonly id: string;
  readonly service: string;
  readonly workflow: string;
  readonly parent?: string;
  /** `service: workflow`. */
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A workflow laid out as `drawAllPossibleFlows` draws it; plain JSON. */
export interface InspectorGraph {
  readonly workflow: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly WorkflowGraphNode[];
  readonly edges: readonly WorkflowGraphEdge[];
  readonly groups: readonly WorkflowGraphGroup[];
}
