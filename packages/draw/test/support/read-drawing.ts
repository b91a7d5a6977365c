/**
 * Reads what a drawing shows from its HTML, by the data attributes the page puts on nodes and
 * edges (the browser tests check the same page rendered).
 */
export interface DrawnNode {
  readonly id: string;
  readonly kind: string;
  readonly status: string | undefined;
  /** The node's visible text (its <text> elements, joined by spaces), unescaped. */
  readonly text: string;
}

export interface Drawing {
  readonly html: string;
  readonly subtitle: string;
  readonly nodes: readonly DrawnNode[];
  node(id: string): DrawnNode | undefined;
  /** The count label on the edge between two nodes, if it has one. */
  edgeLabel(from: string, to: string): string | undefined;
  /** The side panel's timeline, one line per step invocation. */
  readonly timeline: readonly string[];
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
const stripTags = (s: string) =>
  unescape(s.replace(/<[^>]*>/g, ""))
    .replace(/\s+/g, " ")
    .trim();
const attr = (tag: string, name: string) => {
  const m = new RegExp(` ${name}="([^"]*)"`).exec(tag);
  return m === null ? undefined : unescape(m[1]!);
};

export function readDrawing(html: string): Drawing {
  const nodes: DrawnNode[] = [];
  for (const m of html.matchAll(
    /<g (class="node [^"]*"[^>]*)>([\s\S]*?)<\/g>(?=<g class="node|<\/g>\n)/g,
  )) {
    const tag = m[1]!;
    if (attr(tag, "data-id") === undefined) continue; // the legend's swatches
    const texts = [...m[2]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => unescape(t[1]!));
    nodes.push({
      id: attr(tag, "data-id")!,
      kind: attr(tag, "data-kind")!,
      status: attr(tag, "data-status"),
      text: texts.join(" "),
    });
  }
  const edges = [
    ...html.matchAll(/<g class="edge [^"]*"([^>]*)>([\s\S]*?)<\/g>(?=<g class="edge|<\/g>)/g),
  ].map((m) => ({
    from: attr(m[1]!, "data-from"),
    to: attr(m[1]!, "data-to"),
    label: /<g class="edge-label"[^>]*>[\s\S]*?<text[^>]*>([^<]*)<\/text>/.exec(m[2]!)?.[1],
  }));
  const subtitle = stripTags(/<p class="subtitle">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "");
  const timeline = [
    ...(/<ol>([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? "").matchAll(/<li[^>]*>([\s\S]*?)<\/li>/g),
  ].map((m) => stripTags(m[1]!));
  return {
    html,
    subtitle,
    nodes,
    node: (id) => nodes.find((n) => n.id === id),
    edgeLabel: (from, to) => {
      const e = edges.find((x) => x.from === from && x.to === to);
      if (e === undefined) throw new Error(`no edge ${from} -> ${to}`);
      return e.label === undefined ? undefined : unescape(e.label);
    },
    timeline,
  };
}
