import type { Workflow } from "@eventloom/core";
import { layoutAllPossibleFlows } from "@eventloom/draw";
import type { GraphPoint, InspectorGraph } from "./workflow-graph-types.js";

export type {
  GraphPoint,
  InspectorGraph,
  WorkflowGraphEdge,
  WorkflowGraphGroup,
  WorkflowGraphNode,
} from "./workflow-graph-types.js";

/**
 * Lays out every step and event of `workflow` (and of its nested workflows) with the same dagre
 * layout and node sizes as `drawAllPossibleFlows` from `@eventloom/draw`, as JSON-safe data:
 * what `GET /workflows` serves as `graph` and the inspector page draws.
 *
 * @example
 * const graph = workflowGraph(new OrderWorkflow());
 * graph.nodes.filter((n) => n.kind === "step").map((n) => n.label); // ["check", "ship"]
 */
export function workflowGraph(workflow: Workflow): InspectorGraph {
  const l = layoutAllPossibleFlows(workflow);
  const corner = (b: { x: number; y: number; width: number; height: number }) => ({
    x: round(b.x - b.width / 2),
    y: round(b.y - b.height / 2),
    width: b.width,
    height: b.height,
  });
  return {
    workflow: l.workflow,
    width: l.width,
    height: l.height,
    nodes: l.nodes.map((n) => ({
      id: n.id,
      kind: n.kind,
      label: n.name,
      ...(n.role === undefined ? {} : { role: n.role }),
      meta: [...n.meta],
      ...(n.group === undefined ? {} : { group: n.group }),
      ...corner(n),
      radius: n.radius,
    })),
    edges: l.edges.map((e) => ({
      id: e.id,
      from: e.from,
      to: e.to,
      kind: e.kind,
      points: pathPoints(e.path),
      path: e.path,
    })),
    groups: l.groups.map((g) => ({
      id: g.id,
      service: g.service,
      workflow: g.workflow,
      ...(g.parent === undefined ? {} : { parent: g.parent }),
      label: g.label,
      ...corner(g),
    })),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The coordinates an SVG path of M, L and Q commands passes through or bends towards. */
function pathPoints(path: string): GraphPoint[] {
  const points: GraphPoint[] = [];
  for (const m of path.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)) {
    points.push({ x: Number(m[1]), y: Number(m[2]) });
  }
  return points;
}
