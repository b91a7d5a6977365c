import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkflowValidationError } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { drawAllPossibleFlows } from "../src/index.js";
import {
  ApprovedTradeMonitor,
  ComplexTradeMonitor,
  ComplexTradeMonitorV2,
  HostileWorkflow,
  SCRIPT_CLOSE,
  XSS,
  complexTradeMonitorV2WithStation,
} from "./fixtures/seed-workflows.js";
import { readDrawing } from "./support/read-drawing.js";

describe("drawAllPossibleFlows", () => {
  it("returns the page and writes it to filename", () => {
    const file = join(mkdtempSync(join(tmpdir(), "draw-")), "complex.html");
    const html = drawAllPossibleFlows(ComplexTradeMonitor, { filename: file });
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(html);
  });

  it("loads nothing: no src or href attributes, and a CSP that forbids any fetch", () => {
    const html = drawAllPossibleFlows(complexTradeMonitorV2WithStation());
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!;
    expect(csp.replace(/&#39;/g, "'")).toMatch(/^default-src 'none'; .*script-src 'sha256-/);
  });

  it("is the same for a class and an instance made with no arguments", () => {
    expect(drawAllPossibleFlows(ComplexTradeMonitor)).toBe(
      drawAllPossibleFlows(new ComplexTradeMonitor()),
    );
  });

  it("draws a nested workflow only when its service is registered", () => {
    const without = readDrawing(drawAllPossibleFlows(ComplexTradeMonitorV2));
    expect(without.nodes.some((n) => n.id.startsWith("group:"))).toBe(false);
    const withStation = readDrawing(drawAllPossibleFlows(complexTradeMonitorV2WithStation()));
    expect(withStation.node("group:tradeStation/step:trade")?.kind).toBe("step");
    expect(withStation.node("group:tradeStation")?.kind).toBe("group");
    expect(withStation.subtitle).toBe(
      "All possible flows · 6 steps · 9 events · 1 nested workflow",
    );
  });

  it("adds the human between InputRequiredEvent and HumanResponseEvent", () => {
    const page = readDrawing(drawAllPossibleFlows(ApprovedTradeMonitor));
    expect(page.node("human")?.kind).toBe("human");
    expect(page.edgeLabel("event:ApprovalRequest", "human")).toBeUndefined();
    expect(page.edgeLabel("human", "event:ApprovalResponse")).toBeUndefined();
  });

  it("escapes names in markup and in the JSON data", () => {
    const html = drawAllPossibleFlows(HostileWorkflow);
    expect(html).not.toContain(XSS);
    expect(html).not.toContain(SCRIPT_CLOSE);
    // Exactly the two script tags the page has: the data and the page's own script.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const data = /<script type="application\/json" id="eventloom-data">([\s\S]*?)<\/script>/.exec(
      html,
    )![1]!;
    expect(JSON.stringify(JSON.parse(data))).toContain(SCRIPT_CLOSE);
  });

  it("rejects what is not a workflow with a WorkflowValidationError", () => {
    expect(() => drawAllPossibleFlows({} as never)).toThrow(WorkflowValidationError);
    expect(() => drawAllPossibleFlows(Object as never)).toThrow(
      "drawAllPossibleFlows takes a Workflow class or instance; got the function Object",
    );
  });
});
