import { createHash } from "node:crypto";
import { escapeHtml as esc, jsonForScript } from "./escape.js";
import type { FlowGraph, GraphEdge, GraphGroup, GraphNode } from "./graph.js";
import {
  EDGE_FONT,
  type Layout,
  allLayouts,
  collapsedGroupSize,
  edgeLabelSize,
  groupLabel,
  metaLines,
  nodeRadius,
  nodeSize,
  textWidth,
} from "./layout.js";
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_STYLE } from "./page-style.js";

/**
 * The whole page: one HTML file with inline CSS, an inline script and the SVG laid out here.
 * Every name goes through `esc` (markup) or `jsonForScript` (data), never raw.
 */
export function renderHtml(graph: FlowGraph): string {
  const layouts = allLayouts(graph);
  const initial = layouts[""]!;
  const scriptHash = createHash("sha256").update(PAGE_SCRIPT).digest("base64");
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const modeLabel = graph.mode === "flows" ? "all possible flows" : "most recent execution";
  const details: Record<string, unknown> = {};
  for (const n of graph.nodes) details[n.id] = n.details;
  for (const g of graph.groups) details[g.id] = g.details;
  const data = {
    mode: graph.mode,
    groupIds: graph.groups.map((g) => g.id),
    groupOf: Object.fromEntries(
      [...graph.nodes, ...graph.groups.map((g) => ({ id: g.id, group: g.parent }))]
        .filter((x) => x.group !== undefined)
        .map((x) => [x.id, x.group]),
    ),
    parentOf: Object.fromEntries(
      graph.groups.filter((g) => g.parent !== undefined).map((g) => [g.id, g.parent]),
    ),
    edges: graph.edges.map((e) => ({ id: e.id, from: e.from, to: e.to })),
    details,
    layouts,
  };

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@eventloom/draw">
<title>${esc(graph.title)} · ${modeLabel}</title>
<style>${PAGE_STYLE}</style>
</head>
<body data-mode="${graph.mode}">
<header>
<div class="titles"><h1>${esc(graph.title)}</h1><p class="subtitle">${subtitle(graph)}</p></div>
${legend(graph)}
<div class="controls" role="toolbar" aria-label="View">${graph.timeline !== undefined ? `<button type="button" data-action="timeline">Timeline</button>` : ""}${graph.groups.length > 0 ? `<button type="button" data-action="toggle-all">Collapse all</button>` : ""}<button type="button" data-action="zoom-out" title="Zoom out (-)" aria-label="Zoom out">−</button><button type="button" data-action="zoom-in" title="Zoom in (+)" aria-label="Zoom in">+</button><button type="button" data-action="reset" title="Fit the drawing (0)">Reset view</button></div>
</header>
<main>
<svg id="canvas" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${initial.width} ${initial.height}" role="img" aria-label="${esc(`${graph.title}: ${modeLabel}`)}">
${DEFS}
<rect width="100%" height="100%" fill="url(#dots)"/>
<g id="viewport">
<g class="groups">${graph.groups.map((g) => groupFrame(g, initial)).join("")}</g>
<g class="edges">${graph.edges.map((e) => edge(e, graph, initial)).join("")}</g>
<g class="nodes">${graph.groups.map((g) => groupBox(g, graph, initial)).join("")}${graph.nodes.map((n) => node(n, initial)).join("")}</g>
</g>
</svg>
<aside id="panel" aria-live="polite"${graph.timeline === undefined ? " hidden" : ""}>
<button type="button" class="close" data-action="close-panel" title="Close (Esc)" aria-label="Close">×</button>
<div id="panel-default">${overview(graph)}</div>
<div id="panel-details" hidden></div>
</aside>
<p class="hint-chip">Click a node for details · drag to pan · scroll to zoom</p>
</main>
<script type="application/json" id="eventloom-data">${jsonForScript(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

const DEFS = `<defs>
<pattern id="dots" width="22" height="22" patternUnits="userSpaceOnUse"><circle cx="1.5" cy="1.5" r="1.1" fill="#dde1ea"/></pattern>
<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="#8d97aa"/></marker>
<marker id="arrow-accent" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="#3d6fd9"/></marker>
<marker id="arrow-hitl" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="#8b5cf6"/></marker>
<marker id="arrow-dark" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="#6b778c"/></marker>
</defs>`;

function subtitle(graph: FlowGraph): string {
  const text = esc(graph.subtitle);
  if (graph.status === undefined) return text;
  return text.replace(
    esc(statusWord(graph.subtitle)),
    `<span class="status-${esc(graph.status)}">${esc(statusWord(graph.subtitle))}</span>`,
  );
}

// The status is the second "·"-separated part of an execution subtitle.
function statusWord(subtitleText: string): string {
  return subtitleText.split(" · ")[1] ?? "";
}

function legend(graph: FlowGraph): string {
  const items: string[] = [];
  const pill = (cls: string, glyph: string) =>
    `<svg width="34" height="16" aria-hidden="true"><g class="node event ${cls}"><rect class="shape" x="1" y="1" width="32" height="14" rx="7"/>${glyph}</g></svg>`;
  const roles = new Set(graph.nodes.map((n) => n.role));
  items.push(
    `<li>${pill("role-start", `<path class="glyph" d="M13,4.5 L21,8 L13,11.5 z"/>`)}Start event</li>`,
  );
  items.push(`<li>${pill("role-plain", "")}Event</li>`);
  items.push(
    `<li>${pill("role-stop", `<rect class="glyph" x="13.5" y="4.5" width="7" height="7" rx="1"/>`)}Stop event</li>`,
  );
  items.push(
    `<li><svg width="34" height="18" aria-hidden="true"><g class="node step"><rect class="shape" x="1" y="1" width="32" height="16" rx="4"/></g></svg>Step</li>`,
  );
  if (
    roles.has("input-required") ||
    roles.has("human-response") ||
    graph.nodes.some((n) => n.kind === "human")
  ) {
    items.push(`<li>${pill("role-input-required", "")}Human in the loop</li>`);
  }
  if (graph.groups.length > 0) {
    items.push(
      `<li><svg width="34" height="18" aria-hidden="true"><g class="group"><rect class="frame" x="1" y="1" width="32" height="16" rx="5"/></g></svg>Nested workflow</li>`,
    );
  }
  if (graph.nodes.some((n) => n.status === "failed")) {
    items.push(
      `<li><svg width="34" height="18" aria-hidden="true"><g class="node step status-failed"><rect class="shape" x="1.5" y="1.5" width="31" height="15" rx="4"/></g></svg>Failed step</li>`,
    );
  }
  if (graph.mode === "execution")
    items.push(`<li><span class="edge-count">×n</span>&nbsp;edge taken n times</li>`);
  return `<ul class="legend" aria-label="Legend">${items.join("")}</ul>`;
}

function overview(graph: FlowGraph): string {
  if (graph.timeline === undefined) return "";
  const items = graph.timeline
    .map(
      (t) =>
        `<li class="${t.status === "failed, retried" ? "retried" : esc(t.status)}" data-select="${esc(t.nodeId)}" title="Show this step">${esc(t.step)}${t.attempt > 1 ? ` (attempt ${t.attempt})` : ""} <span class="arrow">←</span> ${esc(t.input)}${t.output.length > 0 ? ` <span class="arrow">→</span> ${t.output.map(esc).join(", ")}` : ""}${t.status === "completed" ? "" : ` · ${esc(t.status)}`}</li>`,
    )
    .join("");
  return `<h2>Timeline</h2><p class="hint">Step invocations in start order. Click a node for details.</p><ol>${items}</ol>`;
}

function node(n: GraphNode, layout: Layout): string {
  const b = layout.nodes[n.id];
  const { w, h } = nodeSize(n);
  const r = nodeRadius(n, h);
  const classes = ["node", n.kind];
  if (n.role !== undefined) classes.push(`role-${n.role}`);
  if (n.status !== undefined) classes.push(`status-${n.status}`);
  const attrs = [
    `class="${classes.join(" ")}"`,
    `data-id="${esc(n.id)}"`,
    `data-kind="${n.kind}"`,
    `data-name="${esc(n.name)}"`,
    ...(n.role === undefined ? [] : [`data-role="${n.role}"`]),
    ...(n.group === undefined ? [] : [`data-group="${esc(n.group)}"`]),
    ...(n.status === undefined ? [] : [`data-status="${n.status}"`]),
    `transform="translate(${b?.x ?? 0},${b?.y ?? 0})"`,
    ...(b ? [] : [`display="none"`]),
    `tabindex="0"`,
    `role="button"`,
    `aria-label="${esc(`${n.details.kind} ${n.name}`)}"`,
  ];
  const shape = `<rect class="shape" x="${-w / 2}" y="${-h / 2}" width="${w}" height="${h}" rx="${r}"/>`;
  const tooltip = `<title>${esc(`${n.details.kind}: ${n.name}${n.meta === undefined ? "" : ` (${n.meta})`}`)}</title>`;
  let body = "";
  if (n.kind === "step") {
    const lines = metaLines(n);
    const top = -(16 + 13 * lines.length) / 2;
    body = `<text class="name" x="0" y="${top + 11.5}" text-anchor="middle">${esc(n.name)}</text>`;
    lines.forEach((line, i) => {
      body += `<text class="meta" x="0" y="${top + 16 + 13 * i + 10}" text-anchor="middle">${esc(line)}</text>`;
    });
    if (n.status === "failed")
      body += `<g class="failed-mark" transform="translate(${w / 2 - 2},${-h / 2 + 2})"><circle r="9"/><path d="M-3.5,-3.5 L3.5,3.5 M3.5,-3.5 L-3.5,3.5"/></g>`;
  } else if (n.kind === "human") {
    const x = -w / 2 + 22;
    body = `<g class="icon"><circle cx="${x}" cy="-6" r="5"/><path d="M${x - 9},11 a9,9 0 0 1 18,0 z"/></g><text class="name" x="${x + 16}" y="4.5">${esc(n.name)}</text>`;
  } else {
    const glyph = eventGlyph(n, -w / 2 + 18);
    const badgeW = n.meta === undefined ? 0 : textWidth(n.meta, 11) + 12;
    const left = -w / 2 + 18 + (glyph === "" ? 0 : 18);
    const right = w / 2 - 18 - (badgeW === 0 ? 0 : badgeW + 6);
    body = `${glyph}<text class="name" x="${(left + right) / 2}" y="4.5" text-anchor="middle">${esc(n.name)}</text>`;
    if (n.meta !== undefined) {
      body += `<g class="badge" transform="translate(${w / 2 - 10 - badgeW / 2},0)"><rect x="${-badgeW / 2}" y="-9" width="${badgeW}" height="18" rx="9"/><text x="0" y="4" text-anchor="middle">${esc(n.meta)}</text></g>`;
    }
  }
  return `<g ${attrs.join(" ")}>${tooltip}${shape}${body}</g>`;
}

function eventGlyph(n: GraphNode, x: number): string {
  switch (n.role) {
    case "start":
      return `<path class="glyph" d="M${x - 4},-6 L${x + 7},0 L${x - 4},6 z"/>`;
    case "stop":
      return `<rect class="glyph" x="${x - 4.5}" y="-5.5" width="11" height="11" rx="2"/>`;
    case "input-required":
      return `<g class="glyph"><circle cx="${x + 1}" cy="0" r="7"/><text x="${x + 1}" y="4" text-anchor="middle" style="font-size:11px;font-weight:700;fill:#fff">?</text></g>`;
    case "human-response":
      return `<g class="glyph"><circle cx="${x + 1}" cy="0" r="7"/><path d="M${x - 2.5},0 L${x},2.8 L${x + 4.5},-3" fill="none" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/></g>`;
    default:
      return "";
  }
}

function edge(e: GraphEdge, graph: FlowGraph, layout: Layout): string {
  const route = layout.edges[e.id];
  const marker =
    e.kind === "human"
      ? "arrow-hitl"
      : e.kind === "runs"
        ? "arrow-dark"
        : graph.mode === "execution"
          ? "arrow-accent"
          : "arrow";
  const names = new Map([
    ...graph.nodes.map((n) => [n.id, n.name] as const),
    ...graph.groups.map((g) => [g.id, groupLabel(g)] as const),
  ]);
  const title = `${names.get(e.from) ?? e.from} → ${names.get(e.to) ?? e.to}${e.tooltip === undefined ? "" : `: ${e.tooltip}`}`;
  let label = "";
  if (e.label !== undefined) {
    const { width = 0, height = 0 } = edgeLabelSize(e);
    label = `<g class="edge-label" transform="translate(${route?.lx ?? 0},${route?.ly ?? 0})"><rect x="${-width / 2}" y="${-height / 2}" width="${width}" height="${height}" rx="${height / 2}"/><text x="0" y="${EDGE_FONT / 2 - 1.5}">${esc(e.label)}</text></g>`;
  }
  return `<g class="edge kind-${e.kind}" data-id="${esc(e.id)}" data-from="${esc(e.from)}" data-to="${esc(e.to)}"${route ? "" : ` display="none"`}><title>${esc(title)}</title><path d="${route?.d ?? ""}" marker-end="url(#${marker})"/>${label}</g>`;
}

function groupFrame(g: GraphGroup, layout: Layout): string {
  const b = layout.groups[g.id];
  const visible = b !== null && b !== undefined && !b.collapsed;
  const x = b ? b.x - b.w / 2 : 0;
  const y = b ? b.y - b.h / 2 : 0;
  return `<g class="group" data-id="${esc(g.id)}" data-kind="group" data-name="${esc(g.service)}"${visible ? "" : ` display="none"`}><rect class="frame" x="${x}" y="${y}" width="${b?.w ?? 0}" height="${b?.h ?? 0}" rx="14"/><g class="group-header" transform="translate(${x + 10},${y + 8})">${toggle(g, "−", "Collapse")}<text class="group-title" x="28" y="14">${esc(groupLabel(g))}</text></g></g>`;
}

function groupBox(g: GraphGroup, graph: FlowGraph, layout: Layout): string {
  const b = layout.groups[g.id];
  const visible = b !== null && b !== undefined && b.collapsed;
  const { w, h } = collapsedGroupSize(g);
  const steps = graph.nodes.filter((n) => n.group === g.id && n.kind === "step").length;
  return `<g class="node group-box" data-id="${esc(g.id)}" data-kind="group" data-name="${esc(g.service)}" transform="translate(${b?.x ?? 0},${b?.y ?? 0})"${visible ? "" : ` display="none"`} tabindex="0" role="button" aria-label="${esc(`Nested workflow ${groupLabel(g)}`)}"><title>${esc(`Nested workflow ${groupLabel(g)} (collapsed)`)}</title><rect class="shape-back" x="${-w / 2 + 5}" y="${-h / 2 + 5}" width="${w}" height="${h}" rx="12"/><rect class="shape" x="${-w / 2}" y="${-h / 2}" width="${w}" height="${h}" rx="12"/><g transform="translate(${-w / 2 + 10},${-h / 2 + 8})">${toggle(g, "+", "Expand")}</g><text class="name" x="${-w / 2 + 38}" y="-2">${esc(groupLabel(g))}</text><text class="meta" x="${-w / 2 + 38}" y="15">nested workflow · ${steps} step${steps === 1 ? "" : "s"}</text></g>`;
}

function toggle(g: GraphGroup, sign: string, verb: string): string {
  return `<g class="toggle" data-group="${esc(g.id)}" role="button" aria-label="${esc(`${verb} ${g.service}`)}"><title>${verb}</title><rect x="0" y="0" width="20" height="20" rx="5"/><text x="10" y="14.5">${sign}</text></g>`;
}
