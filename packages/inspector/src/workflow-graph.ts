import type { Workflow } from "@eventloom/core";
import { layoutAllPossibleFlows } from "@eventloom/draw";

/** A point of an edge's route, in the graph's coordinates. */
export interface GraphPoint {
  readonly x: number;
  readonly y: number;
}

/** One box of a {@link WorkflowGraph}: a step, an event or the human in the loop. */
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

/** One arrow of a {@link WorkflowGraph}. */
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
export interface WorkflowGraph {
  readonly workflow: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly WorkflowGraphNode[];
  readonly edges: readonly WorkflowGraphEdge[];
  readonly groups: readonly WorkflowGraphGroup[];
}

/**
 * Lays out every step and event of `workflow` (and of its nested workflows) with the same dagre
 * layout and node sizes as `drawAllPossibleFlows` from `@eventloom/draw`, as JSON-safe data:
 * what `GET /workflows` serves as `graph` and the inspector page draws.
 *
 * @example
 * const graph = workflowGraph(new OrderWorkflow());
 * graph.nodes.filter((n) => n.kind === "step").map((n) => n.label); // ["check", "ship"]
 */
export function workflowGraph(workflow: Workflow): WorkflowGraph {
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
