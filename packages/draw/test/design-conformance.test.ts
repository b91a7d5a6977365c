// DESIGN "Plugins" / @eventloom/draw, checked through the package's public entry:
// `drawAllPossibleFlows(workflow, { filename })`, `drawMostRecentExecution(handler, { filename })`,
// `toMermaid(workflow)`. One self-contained HTML file that works offline (no CDN), readable
// layout, step and event nodes distinct, start/stop highlighted, nested workflows expandable,
// names HTML-escaped.
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Event, StartEvent, StopEvent, Workflow, describeWorkflow, step } from "@eventloom/core";
import { addWorkflows } from "@eventloom/services";
import { drawAllPossibleFlows, drawMostRecentExecution, toMermaid } from "@eventloom/draw";
import {
  ComplexTradeMonitor,
  SimpleWorkflow,
  TradeMonitorWorkflow,
  complexTradeMonitorV2WithStation,
} from "./fixtures/seed-workflows.js";
import { launchChromium, openOffline } from "./support/browser.js";
import { readDrawing } from "./support/read-drawing.js";

// --- workflows of this file ---------------------------------------------------------------------

const MARKUP = `<img src=x onerror="alert('draw')">`;
const CLOSE = "</script><script>alert(2)</script>";

/** A typed start and stop event: they must be highlighted like the plain ones. */
class OrderPlaced extends StartEvent.define({ stock: z.string() }) {}
class OrderFilled extends StopEvent.define({ fill: z.string() }) {}
class Routed extends Event.define({ venue: z.string() }) {}

class OrderDesk extends Workflow {
  route = step(
    { accepts: [OrderPlaced], emits: [Routed] },
    (ev) => new Routed({ venue: `venue for ${ev.stock}` }),
  );
  fill = step(
    { accepts: [Routed], emits: [OrderFilled] },
    (ev) => new OrderFilled({ fill: ev.venue }),
  );
}

/** Markup in every name the page shows: workflow, step, event, field, service, nested workflow. */
class HostileData extends Event.define({ [CLOSE]: z.string() }) {
  static override typeName = `Data ${MARKUP}`;
}
class HostileChild extends Workflow {
  static override workflowName = `Child ${MARKUP}`;
  run1 = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
}
class HostileParent extends Workflow {
  static override workflowName = `Parent ${CLOSE}`;
}
HostileParent.addStep(
  step(
    { name: `emit ${MARKUP}`, accepts: [StartEvent], emits: [HostileData] },
    () => new HostileData({ [CLOSE]: `value ${MARKUP} ${CLOSE}` }),
  ),
);
HostileParent.addStep(
  step(
    { name: `use ${CLOSE}`, accepts: [HostileData], emits: [StopEvent], services: [MARKUP] },
    () => new StopEvent({ result: CLOSE }),
  ),
);
const hostileParent = () => addWorkflows(new HostileParent(), { [MARKUP]: new HostileChild() });

// --- reading a page -------------------------------------------------------------------------------

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), "draw-conformance-"));
}

/** What makes a page depend on anything but itself. */
function expectSelfContained(html: string): void {
  expect(html.startsWith("<!doctype html>")).toBe(true);
  expect(html).toMatch(/<style>[\s\S]+<\/style>/);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/<script\b[^>]*\bsrc=/i);
  expect(html).not.toMatch(/\s(src|href|xlink:href)=/i);
  expect(html).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//i);
  // The SVG namespace is a name, not a request; nothing else may name a URL.
  const urls = html.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
  expect(urls.filter((u) => u !== "http://www.w3.org/2000/svg")).toEqual([]);
}

/** The boxes of the nodes shown when the page opens, in drawing coordinates. */
function visibleNodeBoxes(html: string) {
  const boxes: { id: string; x: number; y: number; w: number; h: number }[] = [];
  const re =
    /<g class="node[^"]*"([^>]*)>(?:<title>[^<]*<\/title>)?<rect class="shape(?:-back)?" x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"/g;
  for (const m of html.matchAll(re)) {
    const attrs = m[1]!;
    const id = /data-id="([^"]*)"/.exec(attrs)?.[1];
    const at = /translate\(([-\d.]+),([-\d.]+)\)/.exec(attrs);
    if (id === undefined || at === null || attrs.includes('display="none"')) continue;
    boxes.push({ id, x: +at[1]! + +m[2]!, y: +at[2]! + +m[3]!, w: +m[4]!, h: +m[5]! });
  }
  return boxes;
}

/** Every string in a JSON value, keys included. */
function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

function pageData(html: string): Record<string, unknown> {
  const json = /<script type="application\/json" id="eventloom-data">([\s\S]*?)<\/script>/.exec(
    html,
  );
  expect(json).not.toBeNull();
  return JSON.parse(json![1]!) as Record<string, unknown>;
}

const roleOf = (html: string, id: string) =>
  new RegExp(`<g class="([^"]*)" data-id="${id}"[^>]*data-role="([^"]*)"`).exec(html);

// --- drawAllPossibleFlows -------------------------------------------------------------------------

describe("drawAllPossibleFlows(workflow, { filename })", () => {
  it("writes one self-contained HTML file, nothing beside it, and returns the same page", () => {
    const dir = freshDir();
    const file = join(dir, "complex_trade_monitor.html");
    const html = drawAllPossibleFlows(ComplexTradeMonitor, { filename: file });
    expect(readdirSync(dir)).toEqual(["complex_trade_monitor.html"]);
    expect(readFileSync(file, "utf8")).toBe(html);
    expectSelfContained(html);
    expect(html).toMatch(/Content-Security-Policy" content="default-src &#39;none&#39;/);
  });

  it("draws every step and event once, steps and events as distinct kinds of node", () => {
    const wf = new ComplexTradeMonitor();
    const d = describeWorkflow(wf);
    const page = readDrawing(drawAllPossibleFlows(wf));
    const ids = (kind: string) =>
      page.nodes
        .filter((n) => n.kind === kind)
        .map((n) => n.id)
        .sort();
    expect(ids("step")).toEqual(d.steps.map((s) => `step:${s.name}`).sort());
    expect(ids("event")).toEqual([...d.events.keys()].map((n) => `event:${n}`).sort());
    // Distinct classes and shapes: a step box is not an event pill.
    const html = page.html;
    const stepShape =
      /<g class="node step"[^>]*>(?:<title>[^<]*<\/title>)<rect[^>]* rx="([\d.]+)"/.exec(html);
    const eventShape =
      /<g class="node event role-plain"[^>]*>(?:<title>[^<]*<\/title>)<rect[^>]* rx="([\d.]+)"/.exec(
        html,
      );
    expect(stepShape).not.toBeNull();
    expect(eventShape).not.toBeNull();
    expect(stepShape![1]).not.toBe(eventShape![1]);
  });

  it("highlights the start and the stop event, typed StartEvent/StopEvent subclasses included", () => {
    for (const [wf, start, stop] of [
      [SimpleWorkflow, "StartEvent", "StopEvent"],
      [OrderDesk, "OrderPlaced", "OrderFilled"],
    ] as const) {
      const html = drawAllPossibleFlows(wf);
      expect(roleOf(html, `event:${start}`)?.[1]).toContain("role-start");
      expect(roleOf(html, `event:${start}`)?.[2]).toBe("start");
      expect(roleOf(html, `event:${stop}`)?.[1]).toContain("role-stop");
      expect(roleOf(html, `event:${stop}`)?.[2]).toBe("stop");
    }
    expect(roleOf(drawAllPossibleFlows(OrderDesk), "event:Routed")?.[2]).toBe("plain");
  });

  it("lays the nodes out without overlaps, inside the drawing", () => {
    for (const wf of [
      ComplexTradeMonitor,
      TradeMonitorWorkflow,
      complexTradeMonitorV2WithStation(),
      hostileParent(),
    ]) {
      const html = drawAllPossibleFlows(wf);
      const [, , width, height] = /viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"/
        .exec(html)!
        .slice(1)
        .map(Number);
      const boxes = visibleNodeBoxes(html);
      expect(boxes.length).toBeGreaterThan(3);
      for (const b of boxes) {
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.y).toBeGreaterThanOrEqual(0);
        expect(b.x + b.w).toBeLessThanOrEqual(width!);
        expect(b.y + b.h).toBeLessThanOrEqual(height!);
      }
      const overlaps: string[] = [];
      boxes.forEach((p, i) =>
        boxes.slice(i + 1).forEach((q) => {
          if (p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h)
            overlaps.push(`${p.id} / ${q.id}`);
        }),
      );
      expect(overlaps).toEqual([]);
    }
  });

  it("draws a registered nested workflow as a group that can be collapsed and expanded", () => {
    const html = drawAllPossibleFlows(complexTradeMonitorV2WithStation());
    const page = readDrawing(html);
    expect(page.node("group:tradeStation/step:trade")?.kind).toBe("step");
    // An open frame with a collapse button, a closed box with an expand button, both laid out.
    expect(html).toMatch(
      /<g class="group" data-id="group:tradeStation"[^>]*>[\s\S]*?<g class="toggle" data-group="group:tradeStation" role="button" aria-label="Collapse tradeStation">/,
    );
    expect(html).toMatch(
      /<g class="node group-box" data-id="group:tradeStation"[^>]*display="none"[\s\S]*?aria-label="Expand tradeStation"/,
    );
    expect(html).toContain('data-action="toggle-all"');
    const layouts = pageData(html)["layouts"] as Record<string, unknown>;
    expect(Object.keys(layouts).length).toBeGreaterThanOrEqual(2);
  });

  it("escapes every name: workflow, step, event, field and service names, nested workflow names", () => {
    const html = drawAllPossibleFlows(hostileParent());
    expect(html).not.toContain(MARKUP);
    expect(html).not.toContain(CLOSE);
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    // The names are all there, as text.
    const page = readDrawing(html);
    expect(page.nodes.map((n) => n.text).join("\n")).toContain(`emit ${MARKUP}`);
    expect(page.nodes.map((n) => n.text).join("\n")).toContain(`use ${CLOSE}`);
    expect(page.nodes.map((n) => n.text).join("\n")).toContain(`Data ${MARKUP}`);
    const data = strings(pageData(html));
    for (const name of [`emit ${MARKUP}`, `use ${CLOSE}`, CLOSE, `${MARKUP}: Child ${MARKUP}`])
      expect(
        data.filter((s) => s.includes(name)),
        name,
      ).not.toEqual([]);
    expect(/<title>([^<]*)<\/title>/.exec(html)![1]).toContain("Parent &lt;/script&gt;");
  });
});

// --- drawMostRecentExecution ----------------------------------------------------------------------

describe("drawMostRecentExecution(handler, { filename })", () => {
  it("writes one self-contained HTML file of the run's path, and returns the same page", async () => {
    const handler = new OrderDesk().run({ stock: "NVDA" });
    expect(await handler).toBeInstanceOf(OrderFilled);
    const dir = freshDir();
    const file = join(dir, "last_run.html");
    const html = drawMostRecentExecution(handler, { filename: file });
    expect(readdirSync(dir)).toEqual(["last_run.html"]);
    expect(readFileSync(file, "utf8")).toBe(html);
    expectSelfContained(html);
    const page = readDrawing(html);
    expect(page.nodes.map((n) => n.id).sort()).toEqual(
      ["event:OrderFilled", "event:OrderPlaced", "event:Routed", "step:fill", "step:route"].sort(),
    );
    expect(roleOf(html, "event:OrderPlaced")?.[2]).toBe("start");
    expect(roleOf(html, "event:OrderFilled")?.[2]).toBe("stop");
    expect(roleOf(html, "event:Routed")?.[2]).toBe("plain");
  });

  it("escapes names and the events' data", async () => {
    const handler = hostileParent().run();
    await handler;
    const html = drawMostRecentExecution(handler);
    expect(html).not.toContain(MARKUP);
    expect(html).not.toContain(CLOSE);
    expect(html).not.toMatch(/<img/i);
    expect(html.match(/<script/g)).toHaveLength(2);
    // The data preview is the event's JSON, shown as text.
    const preview = strings(pageData(html)).find((s) => s.includes("value "));
    expect(JSON.parse(preview!)).toEqual({ [CLOSE]: `value ${MARKUP} ${CLOSE}` });
  });
});

// --- toMermaid ----------------------------------------------------------------------------------

describe("toMermaid(workflow)", () => {
  /** Node id -> [label, class], and edges as "from -> to", from Mermaid flowchart text. */
  function parseMermaid(text: string) {
    const nodes = new Map<string, { label: string; cls: string }>();
    const edges: string[] = [];
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      const node = /^([A-Za-z0-9_]+)(?:\("|\(\["|\{\{")(.*?)(?:"\)|"\]\)|"\}\}):::([a-z]+)$/.exec(
        line,
      );
      if (node) nodes.set(node[1]!, { label: node[2]!, cls: node[3]! });
      const edge = /^([A-Za-z0-9_]+) (?:-->|-\.->|--.*-->|-\..*\.->) ([A-Za-z0-9_]+)$/.exec(line);
      if (edge) edges.push(`${edge[1]} -> ${edge[2]}`);
    }
    return { nodes, edges };
  }

  it("is a Mermaid flowchart with every step and event, and one arrow per accepted and emitted event", () => {
    for (const wf of [
      new SimpleWorkflow(),
      new TradeMonitorWorkflow(),
      new ComplexTradeMonitor(),
    ]) {
      const text = toMermaid(wf);
      expect(text).toMatch(/^flowchart (LR|TD|TB|RL|BT)\n/);
      const { nodes, edges } = parseMermaid(text);
      const d = describeWorkflow(wf);
      const labels = (cls: (c: string) => boolean) =>
        [...nodes.values()]
          .filter((n) => cls(n.cls))
          .map((n) => n.label)
          .sort();
      expect(labels((c) => c === "step")).toEqual(d.steps.map((s) => s.name).sort());
      expect(labels((c) => c !== "step")).toEqual([...d.events.keys()].sort());
      const arrows = d.steps.reduce((n, s) => n + s.accepts.length + s.emits.length, 0);
      expect(edges).toHaveLength(arrows);
      expect(new Set(edges).size).toBe(arrows);
    }
  });

  it("gives start and stop events their own highlighted classes, typed subclasses included", () => {
    const text = toMermaid(OrderDesk);
    const { nodes } = parseMermaid(text);
    const byLabel = new Map([...nodes.values()].map((n) => [n.label, n.cls]));
    expect(byLabel.get("OrderPlaced")).toBe("start");
    expect(byLabel.get("OrderFilled")).toBe("stop");
    expect(byLabel.get("Routed")).toBe("event");
    expect(byLabel.get("route")).toBe("step");
    const fill = (cls: string) => new RegExp(`classDef ${cls} fill:(#[0-9a-f]+)`).exec(text)?.[1];
    expect(new Set([fill("start"), fill("stop"), fill("event"), fill("step")]).size).toBe(4);
  });

  it("draws a registered nested workflow as a subgraph, entered from the step that runs it", () => {
    const text = toMermaid(complexTradeMonitorV2WithStation());
    const open = text.split("\n").findIndex((l) => l.trim().startsWith("subgraph "));
    expect(open).toBeGreaterThan(0);
    expect(text.split("\n")[open]).toContain("tradeStation: TradeStation");
    const { edges } = parseMermaid(text);
    expect(edges.some((e) => /^step_trade -> \S*TradeStationStart$/.test(e))).toBe(true);
  });

  it("escapes markup in every name, service names included", () => {
    const text = toMermaid(hostileParent());
    expect(text).not.toContain(MARKUP);
    expect(text).not.toContain("</script>");
    expect(text).not.toMatch(/<img/i);
    const { nodes } = parseMermaid(text);
    for (const id of nodes.keys()) expect(id).toMatch(/^[A-Za-z0-9_]+$/);
  });
});

// --- in a browser -------------------------------------------------------------------------------

describe("the written file in Chromium, offline", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens without a single request, shows markup names as text, highlights start and stop, and collapses and expands a nested workflow", async () => {
    const file = join(freshDir(), "hostile.html");
    drawAllPossibleFlows(hostileParent(), { filename: file });
    const watch = await openOffline(browser, readFileSync(file, "utf8"), "conformance-hostile");
    const { page } = watch;

    await expect.poll(() => page.locator("h1").textContent()).toBe(`Parent ${CLOSE}`);
    expect(await page.locator("img").count()).toBe(0);
    expect(
      await page.locator(".node[data-kind=step] .name", { hasText: `emit ${MARKUP}` }).count(),
    ).toBe(1);

    // Names hold quotes: escape them in attribute selectors.
    const byId = (id: string) => `[data-id="${id.replace(/["\\]/g, "\\$&")}"]`;
    // Runs in the page; this package's tsconfig has no DOM lib, hence the cast.
    type Styles = { getComputedStyle(el: unknown): { fill: string } };
    const fill = (id: string) =>
      page
        .locator(`.node${byId(id)} .shape`)
        .evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).fill);
    const start = await fill("event:StartEvent");
    const stop = await fill("event:StopEvent");
    const plain = await fill(`event:Data ${MARKUP}`);
    expect(new Set([start, stop, plain]).size).toBe(3);

    const group = `group:${MARKUP}`;
    const inner = page.locator(`.node${byId(`${group}/step:run1`)}`);
    const frame = page.locator(`.group${byId(group)}`);
    const box = page.locator(`.group-box${byId(group)}`);
    expect(await inner.isVisible()).toBe(true);
    await frame.locator(".toggle").click();
    expect(await inner.isVisible()).toBe(false);
    expect(await box.isVisible()).toBe(true);
    await box.locator(".toggle").click();
    expect(await inner.isVisible()).toBe(true);

    expect(watch.requests).toEqual([]);
    expect(watch.blockedRequests).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    await page.close();
  });
});
