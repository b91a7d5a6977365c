import { describe, expect, it } from "vitest";
import { toMermaid } from "../src/index.js";
import {
  ApprovedTradeMonitor,
  ComplexTradeMonitor,
  HostileWorkflow,
  SimpleWorkflow,
  TestWorkflow,
  TradeMonitorWorkflow,
  TradeMonitorWorkflowV2,
  TradeStation,
  XSS,
  complexTradeMonitorV2WithStation,
} from "./fixtures/seed-workflows.js";

describe("toMermaid", () => {
  it("draws the article's SimpleWorkflow", () => {
    expect(toMermaid(SimpleWorkflow)).toMatchSnapshot();
  });

  it("draws TradeMonitorWorkflow's branch and loop back to begin", () => {
    const text = toMermaid(TradeMonitorWorkflow);
    expect(text).toContain("event_LoopEvent --> step_begin");
    expect(text).toMatchSnapshot();
  });

  it("draws TradeMonitorWorkflowV2 like V1: stream-only ProgressEvents are not in the graph", () => {
    const body = (text: string) => text.split("\n").slice(2).join("\n");
    expect(toMermaid(TradeMonitorWorkflowV2)).toContain("%% TradeMonitorWorkflowV2:");
    expect(body(toMermaid(TradeMonitorWorkflowV2))).toBe(body(toMermaid(TradeMonitorWorkflow)));
  });

  it("draws ComplexTradeMonitor's fan-out and collectEvents fan-in", () => {
    expect(toMermaid(ComplexTradeMonitor)).toMatchSnapshot();
  });

  it("draws the nested TradeStation of ComplexTradeMonitorV2 as a subgraph", () => {
    const text = toMermaid(complexTradeMonitorV2WithStation());
    expect(text).toContain('subgraph group_tradeStation["tradeStation: TradeStation"]');
    expect(text).toContain("step_trade -.-> group_tradeStation_event_TradeStationStart");
    expect(text).toMatchSnapshot();
  });

  it("draws TradeStation and the unbound-step TestWorkflow", () => {
    expect(toMermaid(TradeStation)).toMatchSnapshot();
    expect(toMermaid(TestWorkflow)).toMatchSnapshot();
  });

  it("draws the human in the loop between input request and response", () => {
    const text = toMermaid(ApprovedTradeMonitor);
    expect(text).toContain('human{{"human"}}:::human');
    expect(text).toContain("event_ApprovalRequest -.-> human");
    expect(text).toContain("human -.-> event_ApprovalResponse");
  });

  it("is stable: same text for the class, an instance, and a second call", () => {
    const first = toMermaid(ComplexTradeMonitor);
    expect(toMermaid(new ComplexTradeMonitor())).toBe(first);
    expect(toMermaid(ComplexTradeMonitor)).toBe(first);
  });

  it("escapes names: quotes, #, < and > never reach Mermaid raw", () => {
    const text = toMermaid(HostileWorkflow);
    expect(text).not.toContain(XSS);
    expect(text).not.toContain("</script>");
    expect(text).toContain('("#60;img src=x onerror=alert(1)#62;")');
    // Ids are made of safe characters only.
    for (const line of text.split("\n").filter((l) => l.includes(":::"))) {
      expect(line.trim()).toMatch(/^[A-Za-z0-9_]+[([{]/);
    }
  });
});
