import { s, setText } from "./dom.js";
import type { StepState, InspectorGraph } from "./types.js";
import type { WorkflowGraphNode } from "../src/workflow-graph-types.js";

/** What a step node shows live. */
export type StepLiveState = "idle" | "running" | "waiting" | "failed" | "done";

/** idle, running ×n, waiting, failed, done: the first that applies, in that order of urgency. */
export function stepLiveState(st: StepState | undefined): StepLiveState {
  if (st === undefined) return "idle";
  if (st.running > 0) return "running";
  if (st.waiting > 0) return "waiting";
  if (st.failed > 0 && st.completed === 0) return "failed";
  if (st.completed > 0) return "done";
  return "idle";
}

export function stateLabel(st: StepState | undefined): string {
  const state = stepLiveState(st);
  return state === "running" ? `running ×${st!.running}` : state;
}

/** The badge on a step node: its state, and how many invocations completed and failed. */
export function badgeLabel(st: StepState | undefined): string {
  const state = stepLiveState(st);
  if (st === undefined || state === "idle") return "";
  const counts = [
    ...(st.completed > 0 ? [`✓${st.completed}`] : []),
    ...(st.failed > 0 ? [`✗${st.failed}`] : []),
  ];
  return state === "done" ? counts.join(" ") : [stateLabel(st), ...counts].join(" · ");
}

/** The node id a step name maps to: top-level `step:<name>`, nested `group:<service>/step:<name>`. */
export function stepNodeIds(name: string): string[] {
  const ids = [`step:${name}`];
  const slash = name.lastIndexOf("/");
  if (slash > 0) {
    const path = name.slice(0, slash).split("/");
    ids.push(`${path.map((p) => `group:${p}`).join("/")}/step:${name.slice(slash + 1)}`);
  }
  return ids;
}

interface StepNode {
  readonly g: SVGGElement;
  readonly badge: SVGGElement;
  readonly badgeRect: SVGRectElement;
  readonly badgeText: SVGTextElement;
  readonly width: number;
}

/**
 * The workflow drawn as `drawAllPossibleFlows` draws it (same boxes, routes and colours), with a
 * live state badge on each step. All labels are SVG text nodes.
 */
export class GraphView {
  readonly svg: SVGSVGElement;
  private readonly steps = new Map<string, StepNode>();

  constructor(graph: InspectorGraph) {
    const { width, height } = graph;
    this.svg = s("svg", {
      class: "graph",
      id: "graph",
      viewBox: `0 -14 ${width} ${height + 14}`,
      width,
      height: height + 14,
      role: "img",
      "aria-label": `${graph.workflow}: workflow graph`,
    });
    this.svg.append(defs());
    const groups = s("g", { class: "groups" });
    for (const g of graph.groups) {
      groups.append(
        s(
          "g",
          { class: "group", "data-id": g.id },
          s("rect", { class: "frame", x: g.x, y: g.y, width: g.width, height: g.height, rx: 14 }),
          s("text", { class: "group-title", x: g.x + 14, y: g.y + 22 }, g.label),
        ),
      );
    }
    const names = new Map(graph.nodes.map((n) => [n.id, n.label]));
    const edges = s("g", { class: "edges" });
    for (const e of graph.edges) {
      const marker = e.kind === "human" ? "arrow-hitl" : e.kind === "runs" ? "arrow-dark" : "arrow";
      edges.append(
        s(
          "g",
          { class: `edge kind-${e.kind}`, "data-from": e.from, "data-to": e.to },
          s("title", {}, `${names.get(e.from) ?? e.from} → ${names.get(e.to) ?? e.to}`),
          s("path", { d: e.path, "marker-end": `url(#${marker})` }),
        ),
      );
    }
    const nodes = s("g", { class: "nodes" });
    for (const n of graph.nodes) nodes.append(this.node(n));
    this.svg.append(groups, edges, nodes);
  }

  /** Sets every step's badge and class from the server's step counts. */
  update(states: readonly StepState[], waitingSteps: ReadonlySet<string>): void {
    const byNode = new Map<string, StepState>();
    for (const st of states) {
      for (const id of stepNodeIds(st.name)) if (this.steps.has(id)) byNode.set(id, st);
    }
    for (const w of waitingSteps) {
      for (const id of stepNodeIds(w)) {
        const st = byNode.get(id);
        if (this.steps.has(id) && (st === undefined || st.waiting === 0)) {
          byNode.set(id, { name: w, running: 0, completed: 0, failed: 0, ...st, waiting: 1 });
        }
      }
    }
    for (const [id, node] of this.steps) {
      const st = byNode.get(id);
      const state = stepLiveState(st);
      node.g.setAttribute("class", `node step state-${state}`);
      node.g.dataset["state"] = state;
      const label = badgeLabel(st);
      node.badge.setAttribute("display", label === "" ? "none" : "inline");
      setText(node.badgeText, label);
      const w = label.length * 6.6 + 14;
      node.badgeRect.setAttribute("x", String(-w / 2));
      node.badgeRect.setAttribute("width", String(w));
      node.badge.setAttribute("transform", `translate(${node.width - w / 2 - 4},-2)`);
    }
  }

  private node(n: WorkflowGraphNode): SVGGElement {
    const classes = ["node", n.kind, ...(n.role === undefined ? [] : [`role-${n.role}`])];
    const g = s("g", {
      class: classes.join(" "),
      "data-id": n.id,
      "data-name": n.label,
      transform: `translate(${n.x},${n.y})`,
    });
    const { width: w, height: h } = n;
    g.append(
      s("title", {}, `${n.kind}: ${n.label}`),
      s("rect", { class: "shape", x: 0, y: 0, width: w, height: h, rx: n.radius }),
    );
    if (n.kind === "step") {
      const top = (h - (16 + 13 * n.meta.length)) / 2;
      g.append(
        s("text", { class: "name", x: w / 2, y: top + 11.5, "text-anchor": "middle" }, n.label),
      );
      n.meta.forEach((line, i) => {
        g.append(
          s(
            "text",
            { class: "meta", x: w / 2, y: top + 26 + 13 * i, "text-anchor": "middle" },
            line,
          ),
        );
      });
      const badgeRect = s("rect", { y: -9, height: 18, rx: 9 });
      const badgeText = s("text", { x: 0, y: 4, "text-anchor": "middle" });
      const badge = s("g", { class: "state-badge", display: "none" }, badgeRect, badgeText);
      g.append(badge);
      g.setAttribute("class", `${classes.join(" ")} state-idle`);
      g.dataset["state"] = "idle";
      this.steps.set(n.id, { g, badge, badgeRect, badgeText, width: w });
    } else if (n.kind === "human") {
      const x = 22;
      g.append(
        s(
          "g",
          { class: "icon" },
          s("circle", { cx: x, cy: h / 2 - 6, r: 5 }),
          s("path", { d: `M${x - 9},${h / 2 + 11} a9,9 0 0 1 18,0 z` }),
        ),
        s("text", { class: "name", x: x + 16, y: h / 2 + 4.5 }, n.label),
      );
    } else {
      const glyph = eventGlyph(n.role, 18, h / 2);
      const left = 18 + (glyph === null ? 0 : 18);
      const right = w - 18;
      if (glyph !== null) g.append(glyph);
      g.append(
        s(
          "text",
          { class: "name", x: (left + right) / 2, y: h / 2 + 4.5, "text-anchor": "middle" },
          n.label,
        ),
      );
    }
    return g;
  }
}

function eventGlyph(role: WorkflowGraphNode["role"], x: number, cy: number): SVGElement | null {
  switch (role) {
    case "start":
      return s("path", {
        class: "glyph",
        d: `M${x - 4},${cy - 6} L${x + 7},${cy} L${x - 4},${cy + 6} z`,
      });
    case "stop":
      return s("rect", { class: "glyph", x: x - 4.5, y: cy - 5.5, width: 11, height: 11, rx: 2 });
    case "input-required":
      return s(
        "g",
        { class: "glyph" },
        s("circle", { cx: x + 1, cy, r: 7 }),
        s("text", { class: "glyph-mark", x: x + 1, y: cy + 4, "text-anchor": "middle" }, "?"),
      );
    case "human-response":
      return s(
        "g",
        { class: "glyph" },
        s("circle", { cx: x + 1, cy, r: 7 }),
        s("path", {
          class: "glyph-check",
          d: `M${x - 2.5},${cy} L${x},${cy + 2.8} L${x + 4.5},${cy - 3}`,
        }),
      );
    default:
      return null;
  }
}

function defs(): SVGDefsElement {
  const marker = (id: string, fill: string) =>
    s(
      "marker",
      {
        id,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: "auto-start-reverse",
      },
      s("path", { d: "M0,1 L10,5 L0,9 z", fill }),
    );
  return s(
    "defs",
    {},
    marker("arrow", "#8d97aa"),
    marker("arrow-hitl", "#8b5cf6"),
    marker("arrow-dark", "#6b778c"),
  );
}
