/** The monitor tested the way users test theirs: @eventloom/testing's testRun and recordSpans. */
import { type SpanRecorder, recordSpans, testRun } from "@eventloom/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BuyEvent, SellEvent } from "../src/events.js";
import { createDesk } from "../src/trade-desk.js";
import { type MonitorResult, TradeMonitorWorkflow } from "../src/trade-monitor-workflow.js";

const monitor = (totalCycle: number) =>
  new TradeMonitorWorkflow({
    desk: createDesk({ seed: 5, speedUp: 1000 }),
    totalCycle,
    timeout: 10_000,
  });

let recorder: SpanRecorder;
beforeEach(() => {
  recorder = recordSpans();
});
afterEach(() => recorder.shutdown());

describe("TradeMonitorWorkflow with testRun", () => {
  it("a mocked sentiment step decides every trade", async () => {
    const { result, error, history } = await testRun(
      monitor(3),
      { payload: "NVDA" },
      { mockSteps: { getSentiment: () => new SellEvent({ payload: "Bearish" }) } },
    );
    expect(error).toBeUndefined();
    expect((result as MonitorResult).trades).toEqual(["sell", "sell", "sell"]);
    expect(history.filter((r) => r.step === "buy")).toHaveLength(0);
  });

  it("the trace tree shows each step caused by the one before it", async () => {
    await testRun(
      monitor(1),
      { payload: "AAPL" },
      { mockSteps: { getSentiment: () => new BuyEvent({ payload: "Bullish" }) } },
    );
    expect(recorder.tree()).toBe(
      [
        "invoke_workflow TradeMonitorWorkflow",
        "  step begin #1",
        "  step getSentiment ← step begin #1",
        "  step buy ← step getSentiment",
        "  step begin #2 ← step buy",
      ].join("\n"),
    );
  });

  it("bad input comes back as the run's error, not a throw", async () => {
    const { error, result } = await testRun(monitor(1), { payload: "" });
    expect(result).toBeUndefined();
    expect(String(error)).toMatch(/payload/);
  });
});
