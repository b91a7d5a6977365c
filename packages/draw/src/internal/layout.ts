import dagre from "@dagrejs/dagre";
import type { FlowGraph, GraphEdge, GraphGroup, GraphNode } from "./graph.js";

/** A box by its centre, as dagre gives it. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Where everything goes for one set of collapsed groups; `null` means hidden. */
export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly nodes: Readonly<Record<string, Box | null>>;
  readonly groups: Readonly<Record<string, (Box & { readonly collapsed: boolean }) | null>>;
  readonly edges: Readonly<
    Record<string, { readonly d: string; readonly lx?: number; readonly ly?: number } | null>
  >;
}

// Node labels use the page's monospace font, whose advance is 0.6 em in every common
// monospace face (DejaVu Sans Mono, Menlo, Consolas), so widths can be computed here in Node.
const CHAR = 0.6;
export const NAME_FONT = 13;
export const META_FONT = 11;
export const EDGE_FONT = 11;
export const textWidth = (text: string, font: number) => Math.ceil([...text].length * CHAR * font);

export const GROUP_HEADER = 38;
const ROUND = { step: 10, human: 19 };

const META_LINE = 13;

/**
 * A step's meta text in lines: its " · "-separated parts, wrapped to the width of the name (at
 * least 24 characters), so a step with many options grows down instead of across.
 */
export function metaLines(n: GraphNode): string[] {
  if (n.meta === undefined) return [];
  if (n.kind !== "step") return [n.meta];
  const max = Math.max(24, [...n.name].length);
  const lines: string[] = [];
  for (const part of n.meta.split(" · ")) {
    const last = lines.length - 1;
    if (last >= 0 && [...lines[last]!].length + 3 + [...part].length <= max) {
      lines[last] = `${lines[last]!} · ${part}`;
    } else lines.push(part);
  }
  return lines;
}

/** Width and height of a node as drawn. */
export function nodeSize(n: GraphNode): { w: number; h: number } {
  const name = textWidth(n.name, NAME_FONT);
  const lines = metaLines(n);
  const meta = Math.max(0, ...lines.map((l) => textWidth(l, META_FONT)));
  switch (n.kind) {
    case "step":
      return { w: Math.max(104, Math.max(name, meta) + 36), h: 38 + META_LINE * lines.length };
    case "human":
      return { w: name + 62, h: 38 };
    case "event": {
      const glyph = n.role === "plain" ? 0 : 18;
      const badge = n.meta === undefined ? 0 : meta + 18;
      return { w: Math.max(90, name + glyph + badge + 36), h: 34 };
    }
  }
}

/** The corner radius a node is drawn with (pills are fully round). */
export function nodeRadius(n: GraphNode, h: number): number {
  return n.kind === "step" ? ROUND.step : n.kind === "human" ? ROUND.human : h / 2;
}

/** Width and height of a collapsed group's box. */
export function collapsedGroupSize(g: GraphGroup): { w: number; h: number } {
  return { w: Math.max(170, textWidth(groupLabel(g), NAME_FONT) + 70), h: 54 };
}

export function groupLabel(g: GraphGroup): string {
  return `${g.service}: ${g.workflow}`;
}

/** The key of a set of collapsed groups in `layouts`: their indexes, sorted, comma-separated. */
export function layoutKey(graph: FlowGraph, collapsed: ReadonlySet<string>): string {
  return graph.groups
    .map((g, i) => (collapsed.has(g.id) ? i : -1))
    .filter((i) => i >= 0)
    .join(",");
}

/**
 * Layouts for the collapse states the page can switch between: every combination when there
 * are few groups (each is a small dagre run), otherwise all expanded and all collapsed.
 */
export function allLayouts(graph: FlowGraph): Record<string, Layout> {
  const n = graph.groups.length;
  const sets: Set<string>[] = [];
  if (n <= 5) {
    for (let mask = 0; mask < 1 << n; mask++) {
      sets.push(new Set(graph.groups.filter((_, i) => (mask & (1 << i)) !== 0).map((g) => g.id)));
    }
  } else {
    sets.push(new Set(), new Set(graph.groups.map((g) => g.id)));
  }
  const out: Record<string, Layout> = {};
  for (const set of sets) out[layoutKey(graph, set)] = layoutGraph(graph, set);
  return out;
}

type Point = { readonly x: number; readonly y: number };

interface LevelLayout {
  readonly width: number;
  readonly height: number;
  /** Every visible node and group inside the level, centred, in the level's coordinates. */
  readonly boxes: Map<string, Box>;
  /** Each route's points and, for a labelled edge, the label's centre. */
  readonly routes: Map<string, Route>;
}

interface Route {
  readonly points: readonly Point[];
  readonly label?: Point;
}

const GROUP_PAD = 18;

/**
 * One layered left-to-right layout with dagre. Each expanded group is laid out on its own first
 * and then placed as one big box in its parent's layout, which guarantees room for its header
 * and keeps its inside together; an edge that enters a group is routed to the group's box and
 * then continues to the node inside.
 */
export function layoutGraph(graph: FlowGraph, collapsed: ReadonlySet<string>): Layout {
  const groupById = new Map(graph.groups.map((g) => [g.id, g]));
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  const outerFirst = (groupId: string | undefined): string[] => {
    const out: string[] = [];
    for (let g = groupId; g !== undefined; g = groupById.get(g)?.parent) out.unshift(g);
    return out;
  };
  // What stands for a node on screen: itself, or its outermost collapsed group.
  const owner = (id: string): string =>
    outerFirst(nodeById.get(id)?.group).find((g) => collapsed.has(g)) ?? id;
  const groupVisible = (g: GraphGroup) => !outerFirst(g.parent).some((x) => collapsed.has(x));
  const containerOf = (id: string) =>
    nodeById.has(id) ? nodeById.get(id)!.group : groupById.get(id)?.parent;
  // The item that stands for `id` among the direct members of `level`, if `id` is inside it.
  const memberOf = (id: string, level: string | undefined): string | undefined => {
    for (let cur = id; ;) {
      const c = containerOf(cur);
      if (c === level) return cur;
      if (c === undefined) return undefined;
      cur = c;
    }
  };

  // Edges between the same two boxes share one route.
  const routes: { id: string; from: string; to: string; edge: GraphEdge }[] = [];
  const routeOf = new Map<string, string>();
  const pairs = new Map<string, string>();
  for (const e of graph.edges) {
    const from = owner(e.from);
    const to = owner(e.to);
    if (from === to) continue;
    const pair = `${from}\u0000${to}`;
    const shared = pairs.get(pair);
    if (shared === undefined) {
      pairs.set(pair, e.id);
      routes.push({ id: e.id, from, to, edge: e });
    }
    routeOf.set(e.id, shared ?? e.id);
  }

  const sizes = new Map<string, { w: number; h: number; r: number }>();
  const ends = new Map<string, { from: string; to: string }>();

  const layoutLevel = (level: string | undefined, margin: number): LevelLayout => {
    const g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({
      rankdir: "LR",
      nodesep: 22,
      ranksep: 46,
      edgesep: 14,
      marginx: margin,
      marginy: margin,
    });
    const inner = new Map<string, LevelLayout>();
    for (const x of graph.groups) {
      if (x.parent !== level || !groupVisible(x)) continue;
      if (collapsed.has(x.id)) {
        const { w, h } = collapsedGroupSize(x);
        sizes.set(x.id, { w, h, r: 12 });
        g.setNode(x.id, { width: w, height: h });
      } else {
        const l = layoutLevel(x.id, 0);
        inner.set(x.id, l);
        const header = textWidth(groupLabel(x), 12) + 48;
        g.setNode(x.id, {
          width: Math.max(l.width + 2 * GROUP_PAD, header),
          height: l.height + GROUP_HEADER + GROUP_PAD + 6,
        });
      }
    }
    for (const n of graph.nodes) {
      if (n.group !== level || owner(n.id) !== n.id) continue;
      const { w, h } = nodeSize(n);
      sizes.set(n.id, { w, h, r: nodeRadius(n, h) });
      g.setNode(n.id, { width: w, height: h });
    }
    for (const r of routes) {
      const a = memberOf(r.from, level);
      const b = memberOf(r.to, level);
      if (a === undefined || b === undefined || a === b) continue;
      ends.set(r.id, { from: a, to: b });
      g.setEdge(a, b, { ...edgeLabelSize(r.edge), labelpos: "c" }, r.id);
    }

    dagre.layout(g);

    // dagre's bundled typings resolve to `any` under NodeNext, so the shapes are stated here.
    const boxes = new Map<string, Box>();
    const levelRoutes = new Map<string, Route>();
    for (const v of g.nodes()) {
      const d = g.node(v) as DagreNode;
      boxes.set(v, box(d.x, d.y, d.width, d.height));
      const l = inner.get(v);
      if (l === undefined) continue;
      const ox = d.x - l.width / 2;
      const oy = d.y - d.height / 2 + GROUP_HEADER;
      for (const [id, b] of l.boxes) boxes.set(id, box(b.x + ox, b.y + oy, b.w, b.h));
      const shift = (p: Point) => ({ x: p.x + ox, y: p.y + oy });
      for (const [id, route] of l.routes) {
        levelRoutes.set(id, {
          points: route.points.map(shift),
          ...(route.label === undefined ? {} : { label: shift(route.label) }),
        });
      }
    }
    for (const e of g.edges()) {
      const d = g.edge(e) as DagreEdge;
      levelRoutes.set(e.name!, {
        points: (d.points ?? []).map((p) => ({ x: p.x, y: p.y })),
        ...(d.width ? { label: { x: d.x ?? 0, y: d.y ?? 0 } } : {}),
      });
    }
    const size = g.graph() as { width?: number; height?: number };
    return { width: size.width ?? 0, height: size.height ?? 0, boxes, routes: levelRoutes };
  };

  const top = layoutLevel(undefined, 28);

  const nodes: Record<string, Box | null> = {};
  for (const n of graph.nodes) nodes[n.id] = (owner(n.id) === n.id && top.boxes.get(n.id)) || null;
  const groups: Record<string, (Box & { collapsed: boolean }) | null> = {};
  for (const x of graph.groups) {
    const b = groupVisible(x) ? top.boxes.get(x.id) : undefined;
    groups[x.id] = b === undefined ? null : { ...b, collapsed: collapsed.has(x.id) };
  }
  const drawn = new Map<string, { d: string; lx?: number; ly?: number }>();
  for (const r of routes) {
    const route = top.routes.get(r.id);
    const end = ends.get(r.id);
    if (route === undefined || end === undefined || route.points.length < 2) continue;
    const pts = [...route.points];
    const label = route.label;
    const shape = (id: string) => ({ ...top.boxes.get(id)!, r: sizes.get(id)?.r ?? 0 });
    // An end on the item itself is clipped to its outline; an end on a group that holds the
    // item goes on from the group's border to the item.
    if (end.from === r.from) pts[0] = clip(pts[1]!, shape(r.from));
    else pts.unshift(clip(pts[0]!, shape(r.from)));
    if (end.to === r.to) pts[pts.length - 1] = clip(pts[pts.length - 2]!, shape(r.to));
    else pts.push(clip(pts[pts.length - 1]!, shape(r.to)));
    drawn.set(r.id, {
      d: smoothPath(pts),
      ...(label === undefined ? {} : { lx: round(label.x), ly: round(label.y) }),
    });
  }
  const edges: Record<string, { d: string; lx?: number; ly?: number } | null> = {};
  for (const e of graph.edges) {
    const route = routeOf.get(e.id);
    edges[e.id] = route === undefined ? null : (drawn.get(route) ?? null);
  }
  return { width: Math.ceil(top.width), height: Math.ceil(top.height), nodes, groups, edges };
}

interface DagreNode {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface DagreEdge {
  readonly points?: ReadonlyArray<{ readonly x: number; readonly y: number }>;
  readonly x?: number;
  readonly y?: number;
  readonly width?: number;
}

/** Space for an edge's text, if it has any. */
export function edgeLabelSize(e: GraphEdge): { width?: number; height?: number } {
  if (e.label === undefined) return {};
  return { width: textWidth(e.label, EDGE_FONT) + 14, height: 18 };
}

const round = (n: number) => Math.round(n * 10) / 10;
const box = (x: number, y: number, w: number, h: number): Box => ({
  x: round(x),
  y: round(y),
  w: round(w),
  h: round(h),
});

/**
 * Where the segment from `outside` to the node's centre crosses the node's rounded outline, so
 * arrows touch pills and rounded corners instead of their bounding box. Bisection on an inside
 * test keeps it exact for any corner radius.
 */
function clip(outside: { x: number; y: number }, b: Box & { r: number }): { x: number; y: number } {
  const inside = (x: number, y: number) => {
    const r = Math.min(b.r, b.w / 2, b.h / 2);
    const dx = Math.max(Math.abs(x - b.x) - (b.w / 2 - r), 0);
    const dy = Math.max(Math.abs(y - b.y) - (b.h / 2 - r), 0);
    return dx * dx + dy * dy <= r * r;
  };
  if (inside(outside.x, outside.y)) return { x: b.x, y: b.y };
  let lo = 0; // fraction towards the centre that is still outside
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    const x = outside.x + (b.x - outside.x) * mid;
    const y = outside.y + (b.y - outside.y) * mid;
    if (inside(x, y)) hi = mid;
    else lo = mid;
  }
  return { x: outside.x + (b.x - outside.x) * lo, y: outside.y + (b.y - outside.y) * lo };
}

/** A smooth SVG path through dagre's points: quadratic curves between segment midpoints. */
function smoothPath(points: ReadonlyArray<{ x: number; y: number }>): string {
  if (points.length === 0) return "";
  const f = (p: { x: number; y: number }) => `${round(p.x)},${round(p.y)}`;
  let d = `M${f(points[0]!)}`;
  if (points.length === 2) return `${d}L${f(points[1]!)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i]!;
    const next = points[i + 1]!;
    const end = i === points.length - 2 ? next : { x: (p.x + next.x) / 2, y: (p.y + next.y) / 2 };
    d += `Q${f(p)} ${f(end)}`;
  }
  return d;
}
