import { escapeMermaidLabel, mermaidId } from "./escape.js";
import type { FlowGraph, GraphEdge, GraphGroup, GraphNode } from "./graph.js";

const CLASS_DEFS = [
  "classDef step fill:#eaf1ff,stroke:#3d6fd9,stroke-width:1.5px,color:#14306b",
  "classDef event fill:#fff6e0,stroke:#d99a1e,color:#5c3d00",
  "classDef start fill:#e3f6ea,stroke:#1f9d55,stroke-width:2px,color:#0f5130",
  "classDef stop fill:#fde9ec,stroke:#d2374a,stroke-width:2px,color:#7a1424",
  "classDef hitl fill:#f1eaff,stroke:#8b5cf6,color:#45207f",
  "classDef human fill:#ffffff,stroke:#8b5cf6,stroke-dasharray:4 3,color:#45207f",
  "classDef failed fill:#fde9ec,stroke:#d2374a,stroke-width:3px,color:#7a1424",
];

/** Mermaid flowchart text for a graph: same nodes, edges and nested groups as the HTML page. */
export function renderMermaid(graph: FlowGraph): string {
  const taken = new Set<string>();
  const ids = new Map<string, string>();
  const idOf = (id: string) => {
    let m = ids.get(id);
    if (m === undefined) ids.set(id, (m = mermaidId(id, taken)));
    return m;
  };
  const lines = [
    "flowchart LR",
    `  %% ${escapeMermaidLabel(graph.title)}: ${graph.mode === "flows" ? "all possible flows" : "most recent execution"} (@eventloom/draw)`,
  ];

  const emitNodes = (group: string | undefined, indent: string) => {
    for (const n of graph.nodes.filter((x) => x.group === group)) {
      lines.push(`${indent}${idOf(n.id)}${shape(n)}:::${nodeClass(n)}`);
    }
    for (const g of graph.groups.filter((x) => x.parent === group)) emitGroup(g, indent);
  };
  const emitGroup = (g: GraphGroup, indent: string) => {
    lines.push(
      `${indent}subgraph ${idOf(g.id)}["${escapeMermaidLabel(`${g.service}: ${g.workflow}`)}"]`,
    );
    lines.push(`${indent}  direction LR`);
    emitNodes(g.id, `${indent}  `);
    lines.push(`${indent}end`);
  };
  emitNodes(undefined, "  ");
  for (const e of graph.edges) lines.push(`  ${idOf(e.from)} ${arrow(e)} ${idOf(e.to)}`);
  for (const def of CLASS_DEFS) lines.push(`  ${def}`);
  return `${lines.join("\n")}\n`;
}

function shape(n: GraphNode): string {
  const label = escapeMermaidLabel(n.name);
  if (n.kind === "step") return `("${label}")`;
  if (n.kind === "human") return `{{"${label}"}}`;
  return `(["${label}"])`;
}

function nodeClass(n: GraphNode): string {
  if (n.kind === "step") return n.status === "failed" ? "failed" : "step";
  if (n.kind === "human") return "human";
  switch (n.role) {
    case "start":
      return "start";
    case "stop":
      return "stop";
    case "input-required":
    case "human-response":
      return "hitl";
    default:
      return "event";
  }
}

function arrow(e: GraphEdge): string {
  const dotted = e.kind === "human" || e.kind === "runs";
  if (e.label === undefined) return dotted ? "-.->" : "-->";
  const label = escapeMermaidLabel(e.label);
  return dotted ? `-. "${label}" .->` : `-- "${label}" -->`;
}
