import { describe, expect, it } from "vitest";
import { drawAllPossibleFlows } from "@eventloom/draw";
import { workflowGraph } from "../src/index.js";
import { FanOutApproval, HostileWorkflow, XSS, shopWithDesk } from "./fixtures/workflows.js";

/** The centre of every node as drawAllPossibleFlows places it in its page. */
function drawnCentres(html: string): Map<string, { x: number; y: number }> {
  const out = new Map<string, { x: number; y: number }>();
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
  for (const m of html.matchAll(
    /<g class="node [^"]*" data-id="([^"]*)"[^>]*transform="translate\(([-\d.]+),([-\d.]+)\)"/g,
  )) {
    out.set(unescape(m[1]!), { x: Number(m[2]), y: Number(m[3]) });
  }
  return out;
}

describe("workflowGraph", () => {
  it("places every node where drawAllPossibleFlows draws it", () => {
    const graph = workflowGraph(new FanOutApproval());
    const drawn = drawnCentres(drawAllPossibleFlows(FanOutApproval));
    expect(graph.nodes.length).toBe(drawn.size);
    for (const n of graph.nodes) {
      const c = drawn.get(n.id);
      expect(c, n.id).toBeDefined();
      expect(n.x + n.width / 2).toBeCloseTo(c!.x, 0);
      expect(n.y + n.height / 2).toBeCloseTo(c!.y, 0);
    }
  });

  it("lists steps, events and edges with their kinds and routes", () => {
    const graph = workflowGraph(new FanOutApproval());
    expect(graph.workflow).toBe("FanOutApproval");
    const steps = graph.nodes.filter((n) => n.kind === "step").map((n) => n.label);
    expect(steps.sort()).toEqual(["approve", "collect", "start", "work"]);
    const events = graph.nodes.filter((n) => n.kind === "event");
    expect(events.map((n) => n.label).sort()).toEqual([
      "AllDone",
      "Job",
      "JobDone",
      "StartEvent",
      "StopEvent",
    ]);
    expect(events.find((n) => n.label === "StartEvent")!.role).toBe("start");
    expect(graph.nodes.find((n) => n.label === "work")!.meta).toEqual(["3 workers"]);
    const job = graph.edges.find((e) => e.from === "event:Job" && e.to === "step:work")!;
    expect(job.kind).toBe("accepts");
    expect(job.points.length).toBeGreaterThanOrEqual(2);
    expect(job.path.startsWith("M")).toBe(true);
    for (const n of graph.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(graph.width);
      expect(n.y + n.height).toBeLessThanOrEqual(graph.height);
    }
  });

  it("is plain JSON: it survives JSON.stringify unchanged", () => {
    const graph = workflowGraph(new FanOutApproval());
    expect(JSON.parse(JSON.stringify(graph))).toEqual(graph);
  });

  it("keeps hostile names as they are (the page renders them as text)", () => {
    const graph = workflowGraph(new HostileWorkflow());
    expect(graph.nodes.map((n) => n.label)).toContain(XSS);
  });

  it("draws a nested workflow as a group around its nodes, placed as the drawer places it", () => {
    const shop = shopWithDesk();
    const graph = workflowGraph(shop);
    expect(graph.groups.map((g) => [g.id, g.label])).toEqual([["group:desk", "desk: Desk"]]);
    const group = graph.groups[0]!;
    const book = graph.nodes.find((n) => n.id === "group:desk/step:book")!;
    expect(book.group).toBe("group:desk");
    expect(book.x).toBeGreaterThanOrEqual(group.x);
    expect(book.x + book.width).toBeLessThanOrEqual(group.x + group.width);
    expect(graph.edges.some((e) => e.kind === "runs" && e.from === "step:order")).toBe(true);
    const drawn = drawnCentres(drawAllPossibleFlows(shop));
    expect(book.x + book.width / 2).toBeCloseTo(drawn.get(book.id)!.x, 0);
  });
});
