import { buildFlowGraph } from "./internal/flows.js";
import type { EdgeKind, EventRole, NodeKind } from "./internal/graph.js";
import { groupLabel, layoutGraph, metaLines, nodeRadius } from "./internal/layout.js";
import { type WorkflowSource, resolveWorkflow } from "./workflow-source.js";

/**
 * The layout {@link drawAllPossibleFlows} draws (every group expanded), as plain data for other
 * renderers such as `@eventloom/inspector`. Boxes are given by their centre, as dagre lays them.
 */
export interface FlowsLayout {
  readonly workflow: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: ReadonlyArray<{
    readonly id: string;
    readonly kind: NodeKind;
    readonly name: string;
    readonly role?: EventRole;
    /** The innermost nested-workflow group holding the node. */
    readonly group?: string;
    /** The smaller lines under the name (workers, retry, timeout, services), wrapped. */
    readonly meta: readonly string[];
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    /** Corner radius of the drawn shape. */
    readonly radius: number;
  }>;
  readonly edges: ReadonlyArray<{
    readonly id: string;
    readonly from: string;
    readonly to: string;
    readonly kind: EdgeKind;
    /** The SVG path drawn for the edge. */
    readonly path: string;
  }>;
  readonly groups: ReadonlyArray<{
    readonly id: string;
    readonly service: string;
    readonly workflow: string;
    readonly parent?: string;
    readonly label: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
  }>;
}

/**
 * Lays out a workflow exactly as {@link drawAllPossibleFlows} does and returns the positions
 * instead of a page. A class is instantiated with no arguments.
 */
export function layoutAllPossibleFlows(workflow: WorkflowSource): FlowsLayout {
  const graph = buildFlowGraph(resolveWorkflow(workflow, "layoutAllPossibleFlows"));
  const layout = layoutGraph(graph, new Set());
  const nodes: FlowsLayout["nodes"][number][] = [];
  for (const n of graph.nodes) {
    const b = layout.nodes[n.id];
    if (b == null) continue;
    nodes.push({
      id: n.id,
      kind: n.kind,
      name: n.name,
      ...(n.role === undefined ? {} : { role: n.role }),
      ...(n.group === undefined ? {} : { group: n.group }),
      meta: metaLines(n),
      x: b.x,
      y: b.y,
      width: b.w,
      height: b.h,
      radius: nodeRadius(n, b.h),
    });
  }
  const edges: FlowsLayout["edges"][number][] = [];
  for (const e of graph.edges) {
    const drawn = layout.edges[e.id];
    if (drawn == null) continue;
    edges.push({ id: e.id, from: e.from, to: e.to, kind: e.kind, path: drawn.d });
  }
  const groups: FlowsLayout["groups"][number][] = [];
  for (const g of graph.groups) {
    const b = layout.groups[g.id];
    if (b == null) continue;
    groups.push({
      id: g.id,
      service: g.service,
      workflow: g.workflow,
      ...(g.parent === undefined ? {} : { parent: g.parent }),
      label: groupLabel(g),
      x: b.x,
      y: b.y,
      width: b.w,
      height: b.h,
    });
  }
  return {
    workflow: graph.workflow,
    width: layout.width,
    height: layout.height,
    nodes,
    edges,
    groups,
  };
}
