// Renders recorded spans as an indented text tree with their links (see SpanRecorder.tree()).
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** The recorded spans by id, each with its children, in start order. */
export interface SpanIndex {
  readonly byId: ReadonlyMap<string, ReadableSpan>;
  readonly children: ReadonlyMap<string, readonly ReadableSpan[]>;
  readonly roots: readonly ReadableSpan[];
}

/** Indexes `spans` (already in start order): a span whose parent was not recorded is a root. */
export function indexSpans(spans: readonly ReadableSpan[]): SpanIndex {
  const byId = new Map<string, ReadableSpan>();
  for (const s of spans) byId.set(s.spanContext().spanId, s);
  const children = new Map<string, ReadableSpan[]>();
  const roots: ReadableSpan[] = [];
  for (const s of spans) {
    const parent = s.parentSpanContext?.spanId;
    if (parent === undefined || !byId.has(parent)) {
      roots.push(s);
      continue;
    }
    let list = children.get(parent);
    if (list === undefined) children.set(parent, (list = []));
    list.push(s);
  }
  return { byId, children, roots };
}

/** `spans` from `root` down, depth first, each parent before its children. */
export function subtree(index: SpanIndex, root: ReadableSpan): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  const visit = (s: ReadableSpan): void => {
    out.push(s);
    for (const c of index.children.get(s.spanContext().spanId) ?? []) visit(c);
  };
  visit(root);
  return out;
}

/**
 * Labels: a span's name, plus `#n` (1-based, in start order) where its trace has more than one
 * span of that name, so that links say exactly which span they point to.
 */
function labels(spans: readonly ReadableSpan[]): Map<string, string> {
  const counts = new Map<string, number>();
  const key = (s: ReadableSpan) => `${s.spanContext().traceId} ${s.name}`;
  for (const s of spans) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const out = new Map<string, string>();
  for (const s of spans) {
    const k = key(s);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    out.set(s.spanContext().spanId, counts.get(k)! > 1 ? `${s.name} #${n}` : s.name);
  }
  return out;
}

/** What a line says beyond the name: an error and its type, an attempt cut short by the run's end. */
function marks(span: ReadableSpan): string {
  const out: string[] = [];
  if (span.status.code === SpanStatusCode.ERROR) {
    const type = span.attributes["error.type"];
    out.push(type === undefined ? "[error]" : `[error ${String(type)}]`);
  }
  if (span.attributes["eventloom.step.aborted"] === true) {
    const reason = span.attributes["eventloom.step.abort_reason"];
    out.push(reason === undefined ? "[aborted]" : `[aborted: ${String(reason)}]`);
  }
  return out.length === 0 ? "" : ` ${out.join(" ")}`;
}

/** The text tree of `spans` (in start order): two spaces per level, links after "←". */
export function renderTree(spans: readonly ReadableSpan[]): string {
  const index = indexSpans(spans);
  const label = labels(spans);
  const lines: string[] = [];
  const visit = (s: ReadableSpan, depth: number): void => {
    const links = s.links.map((l) => label.get(l.context.spanId) ?? "(a span not recorded)");
    lines.push(
      `${"  ".repeat(depth)}${label.get(s.spanContext().spanId)!}${links.length > 0 ? ` ← ${links.join(", ")}` : ""}${marks(s)}`,
    );
    for (const c of index.children.get(s.spanContext().spanId) ?? []) visit(c, depth + 1);
  };
  for (const root of index.roots) visit(root, 0);
  return lines.join("\n");
}
