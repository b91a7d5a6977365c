/** The article's workflows as the app runs them, in process and without tracing. */
import { describe, expect, it } from "vitest";
import { WorkflowValidationError } from "@eventloom/core";
import { addWorkflows } from "@eventloom/services";
import { ComplexTradeMonitorV2, type DecisionResult } from "../src/complex-trade-monitor.js";
import { ProgressEvent } from "../src/events.js";
import { createDesk } from "../src/trade-desk.js";
import { type MonitorResult, TradeMonitorWorkflow } from "../src/trade-monitor-workflow.js";
import { TradeStation } from "../src/trade-station.js";

const SPEED_UP = 1000;

function complexMonitor(seed: number): ComplexTradeMonitorV2 {
  const desk = createDesk({ seed, speedUp: SPEED_UP });
  return addWorkflows(new ComplexTradeMonitorV2({ desk, timeout: 10_000 }), {
    tradeStation: new TradeStation({ desk, timeout: 10_000 }),
  });
}

async function progressOf(handler: { streamEvents(): AsyncIterable<unknown> }): Promise<string[]> {
  const lines: string[] = [];
  for await (const ev of handler.streamEvents()) {
    if (ev instanceof ProgressEvent) lines.push(`${ev.source}: ${ev.message}`);
  }
  return lines;
}

describe("TradeMonitorWorkflow", () => {
  it("places one order per cycle, then stops, streaming each step's progress in order", async () => {
    const monitor = new TradeMonitorWorkflow({
      desk: createDesk({ seed: 5, speedUp: SPEED_UP }),
      totalCycle: 3,
      timeout: 10_000,
    });
    const handler = monitor.run({ payload: "AAPL" });
    const lines = await progressOf(handler);
    const result = (await handler) as MonitorResult;
    expect(result.stock).toBe("AAPL");
    expect(result.trades).toHaveLength(3);
    expect(handler.history.map((r) => r.step)).toEqual([
      ...result.trades.flatMap((side) => ["begin", "getSentiment", side]),
      "begin",
    ]);
    expect(lines.filter((l) => l.endsWith("We now return to the begin step"))).toHaveLength(4);
    expect(lines[1]).toBe(
      "TradeMonitorWorkflow.getSentiment: Will get the latest sentiment for stock AAPL",
    );
  });

  it("makes the same decisions for the same seed", async () => {
    const trades = async (seed: number) => {
      const desk = createDesk({ seed, speedUp: SPEED_UP });
      const wf = new TradeMonitorWorkflow({ desk, totalCycle: 8, timeout: 10_000 });
      return ((await wf.run({ payload: "AAPL" })) as MonitorResult).trades;
    };
    const first = await trades(1234);
    expect(await trades(1234)).toEqual(first);
    // Over 8 cycles the seeds disagree somewhere: the seed really drives the market.
    const others = await Promise.all([1, 2, 3, 4].map(trades));
    expect(others.some((t) => JSON.stringify(t) !== JSON.stringify(first))).toBe(true);
  });
});

describe("ComplexTradeMonitorV2", () => {
  it("votes on three concurrent sources and orders through the nested TradeStation", async () => {
    const handler = complexMonitor(9).run({ payload: "TSLA" });
    const lines = await progressOf(handler);
    const result = (await handler) as DecisionResult;
    const totalVotes = Object.values(result.votes).reduce((a, b) => a + b, 0);
    expect(totalVotes).toBe(3);
    expect(result.votes[result.decision]).toBe(Math.max(...Object.values(result.votes)));
    expect(result.order).toEqual({
      stock: "TSLA",
      action: result.decision === "Bullish" ? "buy" : "sell",
    });
    // The nested run's progress was forwarded into this run's stream.
    expect(lines).toContain("TradeStation.trade: We are now in a new workflow named TradeStation");
    const steps = handler.history.map((r) => r.step);
    expect(steps.filter((s) => s === "tradingDecision")).toHaveLength(3);
    expect(steps.at(-1)).toBe("trade");
  });

  it("returns the same decision for the same seed, whichever source answers first", async () => {
    const results = await Promise.all(
      [21, 21, 21].map((seed) => complexMonitor(seed).run({ payload: "TSLA" })),
    );
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it("refuses to run without its tradeStation service", () => {
    const monitor = new ComplexTradeMonitorV2({ desk: createDesk({ seed: 1, speedUp: SPEED_UP }) });
    expect(() => monitor.run({ payload: "TSLA" })).toThrow(WorkflowValidationError);
    expect(() => monitor.run({ payload: "TSLA" })).toThrow(/tradeStation/);
  });
});
