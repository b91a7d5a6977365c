/**
 * The drawing's model: nodes, edges and nested groups, built from a workflow or a run, and read
 * by both renderers (HTML and Mermaid). Kept free of layout and markup.
 */

/** What a node stands for. */
export type NodeKind = "step" | "event" | "human";

/** How an event node is drawn. */
export type EventRole = "start" | "stop" | "input-required" | "human-response" | "plain";

/** What the side panel shows for a node or group. */
export interface Details {
  /** A short kind label: "Step", "Start event", "Nested workflow"... */
  readonly kind: string;
  readonly title: string;
  /** Label/value rows, in order. */
  readonly rows: ReadonlyArray<readonly [string, string]>;
  /** Schema fields of an event: name and type. */
  readonly fields?: ReadonlyArray<readonly [string, string]>;
  /** A free-text note under the rows. */
  readonly note?: string;
}

export interface GraphNode {
  /** Unique in the graph; group members are prefixed with their group's id. */
  readonly id: string;
  readonly kind: NodeKind;
  /** The step name, event type name, or "human". */
  readonly name: string;
  readonly role?: EventRole;
  /** The innermost group holding the node. */
  readonly group?: string;
  /** A second, smaller line under the name. */
  readonly meta?: string;
  /** Execution drawings: how the step's last invocation ended. */
  readonly status?: "completed" | "failed" | "running";
  readonly details: Details;
}

/** What an edge means. */
export type EdgeKind = "accepts" | "emits" | "human" | "runs";

export interface GraphEdge {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** Text on the edge (execution counts). */
  readonly label?: string;
  /** A hover tooltip for the edge. */
  readonly tooltip?: string;
}

/** A nested workflow drawn as a collapsible group. */
export interface GraphGroup {
  readonly id: string;
  /** The service name the parent's steps request. */
  readonly service: string;
  readonly workflow: string;
  readonly parent?: string;
  readonly details: Details;
}

/** A whole drawing. */
export interface FlowGraph {
  readonly mode: "flows" | "execution";
  readonly workflow: string;
  readonly title: string;
  readonly subtitle: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  readonly groups: readonly GraphGroup[];
  /** Execution drawings: the invocations in start order, shown when nothing is selected. */
  readonly timeline?: readonly TimelineEntry[];
  /** Execution drawings: the run's status. */
  readonly status?: string;
}

export interface TimelineEntry {
  readonly step: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly status: string;
  readonly input: string;
  readonly output: readonly string[];
}
