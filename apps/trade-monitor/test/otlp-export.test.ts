/**
 * End to end: the app, run as its `start` script runs it, exports its traces over OTLP/HTTP to a
 * receiver on 127.0.0.1, and the traces have the shape the app promises.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "./support/otlp-receiver.js";
import { type AppRun, runApp, startedSpans } from "./support/run-app.js";

const CYCLES = 2;

let receiver: OtlpReceiver;
let outDir: string;
let run: AppRun;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  outDir = await mkdtemp(join(tmpdir(), "trade-monitor-otlp-"));
  run = await runApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    TRADE_MONITOR_FAST: "1",
    TRADE_MONITOR_SEED: "7",
    TRADE_MONITOR_CYCLES: String(CYCLES),
    TRADE_MONITOR_OUT_DIR: outDir,
  });
});

afterAll(async () => {
  await receiver.close();
  await rm(outDir, { recursive: true, force: true });
});

function spansNamed(name: string, traceId?: string): ReceivedSpan[] {
  return receiver.spans.filter(
    (s) => s.name === name && (traceId === undefined || s.traceId === traceId),
  );
}

function only(name: string, traceId?: string): ReceivedSpan {
  const found = spansNamed(name, traceId);
  expect(found, `exactly one span named ${name}`).toHaveLength(1);
  return found[0]!;
}

function childrenOf(span: ReceivedSpan): ReceivedSpan[] {
  return receiver.spans.filter((s) => s.traceId === span.traceId && s.parentSpanId === span.spanId);
}

/** The one span named `name` directly under `parent` (TradeStation has a `trade` step too). */
function onlyChild(parent: ReceivedSpan, name: string): ReceivedSpan {
  const found = childrenOf(parent).filter((s) => s.name === name);
  expect(found, `exactly one ${name} under ${parent.name}`).toHaveLength(1);
  return found[0]!;
}

describe("the trade monitor exporting to an OTLP/HTTP collector", () => {
  it("exits 0 without errors and delivers every span it started", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(receiver.rejected).toEqual([]);
    const started = startedSpans(run);
    expect(started).toBeGreaterThan(0);
    expect(receiver.spans).toHaveLength(started);
    expect(new Set(receiver.spans.map((s) => s.spanId)).size).toBe(started);
    expect(run.stdout).toContain(`${started} sent over OTLP to ${receiver.endpoint}/v1/traces`);
  });

  it("sends one trace per run, under the service name trade-monitor", () => {
    const roots = receiver.spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.map((s) => s.name).sort()).toEqual([
      "invoke_workflow ComplexTradeMonitorV2",
      "invoke_workflow TradeMonitorWorkflow",
    ]);
    const traceIds = new Set(receiver.spans.map((s) => s.traceId));
    expect([...traceIds].sort()).toEqual(roots.map((s) => s.traceId).sort());
    expect(new Set(receiver.spans.map((s) => s.serviceName))).toEqual(new Set(["trade-monitor"]));
    for (const root of roots) {
      expect(run.stdout).toContain(`trace ${root.traceId}`);
      expect(run.stdout).toContain(`run ${String(root.attributes["eventloom.run.id"])}`);
    }
  });

  it("puts a span for every step of the looping monitor under its run span", () => {
    const runSpan = only("invoke_workflow TradeMonitorWorkflow");
    expect(runSpan.attributes["eventloom.run.status"]).toBe("completed");
    const steps = childrenOf(runSpan).map((s) => s.name);
    const count = (name: string) => steps.filter((n) => n === name).length;
    expect(count("step begin")).toBe(CYCLES + 1);
    expect(count("step getSentiment")).toBe(CYCLES);
    expect(count("step buy") + count("step sell")).toBe(CYCLES);
    expect(steps).toHaveLength(3 * CYCLES + 1);
    // Every step span of this trace hangs off the run span, never off the step before it.
    const inTrace = receiver.spans.filter(
      (s) => s.traceId === runSpan.traceId && s.name.startsWith("step "),
    );
    expect(inTrace.every((s) => s.parentSpanId === runSpan.spanId)).toBe(true);
    // The trader's own order spans nest under the step that placed them.
    for (const order of receiver.spans.filter(
      (s) => s.traceId === runSpan.traceId && s.name.startsWith("StockTrader."),
    )) {
      const parent = receiver.spans.find((s) => s.spanId === order.parentSpanId);
      expect(parent?.name).toBe(order.name === "StockTrader.buy" ? "step buy" : "step sell");
    }
  });

  it("puts every step of the concurrent monitor under its run span", () => {
    const runSpan = only("invoke_workflow ComplexTradeMonitorV2");
    expect(runSpan.attributes["eventloom.run.status"]).toBe("completed");
    expect(
      childrenOf(runSpan)
        .map((s) => s.name)
        .sort(),
    ).toEqual(
      [
        "step start",
        "step wsbSentiment",
        "step wsjSentiment",
        "step trendingPredict",
        "step tradingDecision",
        "step tradingDecision",
        "step tradingDecision",
        "step trade",
      ].sort(),
    );
  });

  it("links the deciding tradingDecision span to the three sentiment step spans", () => {
    const caller = only("invoke_workflow ComplexTradeMonitorV2");
    const traceId = caller.traceId;
    const sentimentSpans = ["step wsbSentiment", "step wsjSentiment", "step trendingPredict"].map(
      (name) => onlyChild(caller, name).spanId,
    );
    const trade = onlyChild(caller, "step trade");
    // The trade step was triggered by the decision: its one link names the deciding span.
    expect(trade.links).toHaveLength(1);
    const deciding = receiver.spans.find((s) => s.spanId === trade.links[0]!.spanId);
    expect(deciding?.name).toBe("step tradingDecision");
    expect(deciding!.links.map((l) => l.spanId).sort()).toEqual([...sentimentSpans].sort());
    expect(deciding!.links.every((l) => l.traceId === traceId)).toBe(true);
    // The two invocations that were still waiting link only to their own input's producer.
    const waiting = spansNamed("step tradingDecision", traceId).filter((s) => s !== deciding);
    expect(waiting).toHaveLength(2);
    for (const w of waiting) {
      expect(w.links).toHaveLength(1);
      expect(sentimentSpans).toContain(w.links[0]!.spanId);
    }
  });

  it("nests the TradeStation run in the caller's trace, under the trade step's span", () => {
    const caller = only("invoke_workflow ComplexTradeMonitorV2");
    const trade = onlyChild(caller, "step trade");
    const station = only("invoke_workflow TradeStation");
    expect(station.traceId).toBe(caller.traceId);
    expect(station.parentSpanId).toBe(trade.spanId);
    expect(station.attributes["eventloom.run.status"]).toBe("completed");
    const stationSteps = childrenOf(station);
    expect(stationSteps.map((s) => s.name)).toEqual(["step trade"]);
    const orders = childrenOf(stationSteps[0]!);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.name).toMatch(/^StockTrader\.(buy|sell)$/);
  });

  it("streams each run's progress to the terminal and prints its final decision", () => {
    const lines = run.lines;
    const beginLines = lines.filter((l) => l.includes("We now return to the begin step"));
    expect(beginLines).toHaveLength(CYCLES + 1);
    const decisions = lines.filter((l) => l.includes("Final decision:"));
    expect(decisions).toHaveLength(2);
    expect(decisions[1]).toMatch(/Final decision: (Bullish|Bearish) \(votes: .+\): TradeStation/);
    // The nested run's progress reaches the caller's stream before the caller's decision.
    const nested = lines.findIndex((l) =>
      l.includes("We are now in a new workflow named TradeStation"),
    );
    expect(nested).toBeGreaterThan(lines.indexOf(decisions[0]!));
    expect(nested).toBeLessThan(lines.indexOf(decisions[1]!));
  });
});
