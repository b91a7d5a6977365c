/** The page's stylesheet (inline: the page loads nothing). */
export const PAGE_STYLE = `
:root {
  --ink: #1c2433; --muted: #5d6880; --line: #d9dee8; --bg: #f6f7fa; --panel: #ffffff;
  --step: #eaf1ff; --step-line: #3d6fd9; --step-ink: #14306b;
  --event: #fff6e0; --event-line: #d99a1e; --event-ink: #5c3d00;
  --start: #e3f6ea; --start-line: #1f9d55; --start-ink: #0f5130;
  --stop: #fde9ec; --stop-line: #d2374a; --stop-ink: #7a1424;
  --hitl: #f1eaff; --hitl-line: #8b5cf6; --hitl-ink: #45207f;
  --edge: #8d97aa; --accent: #3d6fd9;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { display: grid; grid-template-rows: auto 1fr; font: 14px/1.45 var(--sans); color: var(--ink); background: var(--bg); }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 28px; padding: 14px 20px; background: #fff; border-bottom: 1px solid var(--line); }
.titles { min-width: 0; }
h1 { margin: 0; font-size: 19px; font-weight: 650; letter-spacing: -0.01em; overflow-wrap: anywhere; }
.subtitle { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
.subtitle .status-failed, .subtitle .status-timed_out, .subtitle .status-cancelled { color: var(--stop-line); font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 0; padding: 0; list-style: none; font-size: 12px; color: var(--muted); }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend svg { display: block; }
.controls { display: flex; gap: 6px; margin-left: auto; }
button { font: inherit; font-size: 13px; color: var(--ink); background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 5px 11px; cursor: pointer; }
button:hover { border-color: var(--accent); color: var(--accent); }
button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.node:focus { outline: none; }
.node:focus-visible .shape { stroke: var(--accent); stroke-width: 3; }
main { position: relative; min-height: 0; overflow: hidden; }
#canvas { display: block; width: 100%; height: 100%; cursor: grab; touch-action: none; user-select: none; }
#canvas.dragging { cursor: grabbing; }
aside { position: absolute; top: 14px; right: 14px; width: 330px; max-width: calc(100% - 28px); max-height: calc(100% - 28px); overflow: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 12px; box-shadow: 0 10px 30px rgba(24, 36, 70, 0.13); padding: 14px 18px 16px; font-size: 13px; }
aside[hidden], aside [hidden] { display: none; }
aside .close { position: absolute; top: 8px; right: 8px; border: 0; padding: 2px 8px; font-size: 18px; line-height: 1; color: var(--muted); }
.hint-chip { position: absolute; left: 14px; bottom: 12px; margin: 0; padding: 5px 12px; font-size: 12px; color: var(--muted); background: rgba(255, 255, 255, 0.92); border: 1px solid var(--line); border-radius: 999px; pointer-events: none; }
.legend .edge-count { font: 600 11px var(--mono); color: var(--ink); border: 1px solid var(--line); border-radius: 9px; padding: 0 6px; background: #fff; }
aside h2 { margin: 0; font-size: 11px; font-weight: 600; letter-spacing: 0.06em; text-transform: uppercase; color: var(--muted); }
aside h3 { margin: 2px 0 12px; font: 600 16px/1.3 var(--mono); overflow-wrap: anywhere; }
aside h4 { margin: 16px 0 6px; font-size: 12px; color: var(--muted); font-weight: 600; }
aside dl { display: grid; grid-template-columns: max-content 1fr; gap: 5px 12px; margin: 0; }
aside dt { color: var(--muted); }
aside dd { margin: 0; font-family: var(--mono); font-size: 12px; overflow-wrap: anywhere; }
aside table { width: 100%; border-collapse: collapse; font-family: var(--mono); font-size: 12px; }
aside td { padding: 4px 6px; border-top: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
aside td:first-child { font-weight: 600; width: 40%; }
aside .note { color: var(--muted); margin: 14px 0 0; }
aside .hint { color: var(--muted); margin: 0 0 12px; }
aside ol { margin: 0; padding-left: 24px; font-family: var(--mono); font-size: 12px; }
aside ol li { padding: 3px 0; border-top: 1px solid #eef0f4; overflow-wrap: anywhere; }
aside ol li.failed { color: var(--stop-line); font-weight: 600; }
aside ol li.interrupted, aside ol li.retried { color: var(--muted); }
aside ol li[data-select] { cursor: pointer; }
aside ol li[data-select]:hover { background: #f3f6fc; }
aside .arrow { color: var(--muted); }
.node { cursor: pointer; }
.node text { font-family: var(--mono); }
.node .name { font-size: 13px; font-weight: 600; }
.node .meta { font-size: 11px; }
.step .shape { fill: var(--step); stroke: var(--step-line); stroke-width: 1.5; }
.step .name { fill: var(--step-ink); }
.step .meta { fill: #4d6395; }
.step.status-failed .shape { fill: var(--stop); stroke: var(--stop-line); stroke-width: 2.5; }
.step.status-failed .name, .step.status-failed .meta { fill: var(--stop-ink); }
.step.status-running .shape { stroke-dasharray: 5 3; }
.failed-mark circle { fill: var(--stop-line); }
.failed-mark path { stroke: #fff; stroke-width: 2; stroke-linecap: round; }
.event .shape { fill: var(--event); stroke: var(--event-line); stroke-width: 1.5; }
.event .name { fill: var(--event-ink); }
.event .glyph { fill: currentColor; }
.role-start .shape { fill: var(--start); stroke: var(--start-line); stroke-width: 2; }
.role-start { color: var(--start-line); }
.role-start .name { fill: var(--start-ink); }
.role-stop .shape { fill: var(--stop); stroke: var(--stop-line); stroke-width: 2; }
.role-stop { color: var(--stop-line); }
.role-stop .name { fill: var(--stop-ink); }
.role-input-required .shape, .role-human-response .shape { fill: var(--hitl); stroke: var(--hitl-line); }
.role-input-required, .role-human-response { color: var(--hitl-line); }
.role-input-required .name, .role-human-response .name { fill: var(--hitl-ink); }
.badge rect { fill: #fff; stroke: currentColor; stroke-opacity: 0.5; }
.event .badge text { font-size: 11px; font-weight: 600; fill: var(--event-ink); }
.human .shape { fill: #fff; stroke: var(--hitl-line); stroke-width: 1.5; stroke-dasharray: 4 3; }
.human .icon { fill: var(--hitl-line); }
.human .name { fill: var(--hitl-ink); }
.group .frame { fill: rgba(61, 111, 217, 0.035); stroke: #9aa6bd; stroke-width: 1.3; stroke-dasharray: 6 4; }
.group .group-title, .group-box .name { font: 600 12px var(--mono); fill: #3c4760; }
.group-box .shape { fill: #fff; stroke: #7b879e; stroke-width: 1.5; }
.group-box .shape-back { fill: #eef1f6; stroke: #b3bccb; stroke-width: 1.2; }
.group-box .meta { fill: var(--muted); }
.toggle { cursor: pointer; }
.toggle rect { fill: #fff; stroke: #9aa6bd; }
.toggle:hover rect { stroke: var(--accent); }
.toggle text { font: 600 13px var(--mono); fill: #3c4760; text-anchor: middle; }
.edge path { fill: none; stroke: var(--edge); stroke-width: 1.5; }
.edge.kind-human path { stroke: var(--hitl-line); stroke-dasharray: 5 4; }
.edge.kind-runs path { stroke: #6b778c; stroke-dasharray: 7 4; }
body[data-mode="execution"] .edge path { stroke: var(--accent); stroke-width: 2; }
body[data-mode="execution"] .edge.kind-human path { stroke: var(--hitl-line); }
.edge-label rect { fill: #fff; stroke: var(--line); }
.edge-label text { font: 600 11px var(--mono); fill: var(--ink); text-anchor: middle; }
#canvas.focusing .node, #canvas.focusing .edge { opacity: 0.28; }
#canvas.focusing .node.hl, #canvas.focusing .edge.hl { opacity: 1; }
.node.selected .shape { stroke: var(--ink); stroke-width: 2.5; }
@media print { .controls, aside, .hint-chip { display: none; } }
`;
