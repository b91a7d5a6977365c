import { describe, expect, it } from "vitest";
import { type Event, StopEvent, WorkflowValidationError } from "@eventloom/core";
import { ServiceManager, addWorkflows, bridge } from "@eventloom/services";
import {
  ComplexTradeMonitorV2,
  ComplexTradeMonitorV3,
  ProgressEvent,
  type Sentiment,
  type Source,
  StockTrader,
  TradeDoneEvent,
  TradeEventV2,
  TradeStation,
  TradeStationV2,
} from "./fixtures/article.js";

/** Two sources out of three say `majority`. */
function market(majority: Sentiment): (source: Source) => Sentiment {
  const other: Sentiment = majority === "Bullish" ? "Bearish" : "Bullish";
  return (source) => (source === "wsj" ? other : majority);
}

async function collect(stream: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

const messages = (events: readonly Event[]) =>
  events.filter((e) => e instanceof ProgressEvent).map((e) => e.message);

describe("the article's nested workflow: ComplexTradeMonitorV2 with an injected TradeStation", () => {
  it("places the order through the nested TradeStation and streams its progress into the monitor's stream", async () => {
    const trader = new StockTrader();
    const monitor = addWorkflows(new ComplexTradeMonitorV2({ market: market("Bearish") }), {
      tradeStation: new TradeStation({ trader, timeout: 10_000 }),
    });
    const handler = monitor.run({ payload: "NVDA" });
    const events = await collect(handler.streamEvents());

    expect(await handler).toBe("We are done for the day. (station: Done!)");
    expect(trader.orders).toEqual(["sell NVDA"]);
    expect(messages(events)).toEqual([
      "Voting: Bearish",
      "We are now in a new workflow named TradeStation",
    ]);
    // One terminal event, the monitor's own: the station's StopEvent is not forwarded.
    expect(events.filter((e) => e instanceof StopEvent)).toEqual([events.at(-1)]);
    expect(handler.history.map((r) => r.step)).toContain("trade");
  });

  it("takes the TradeStation from a ServiceManager default when none is given", async () => {
    const trader = new StockTrader();
    const services = new ServiceManager().default(
      "tradeStation",
      () => new TradeStation({ trader }),
    );
    const monitor = services.addWorkflows(new ComplexTradeMonitorV2({ market: market("Bullish") }));
    expect(await monitor.run({ payload: "AAPL" })).toBe(
      "We are done for the day. (station: Done!)",
    );
    expect(trader.orders).toEqual(["buy AAPL"]);
  });

  it("refuses to run without a TradeStation, naming the step and the service", () => {
    const monitor = new ComplexTradeMonitorV2({ market: market("Bullish") });
    expect(() => monitor.run({ payload: "NVDA" })).toThrow(WorkflowValidationError);
    expect(() => monitor.run({ payload: "NVDA" })).toThrow(
      /step trade requests the service "tradeStation"/,
    );
  });
});

describe("the article's failed attempt, 'Communicate between Workflows', through bridges", () => {
  it("delivers the monitor's TradeEventV2 to a running TradeStation and its answer back", async () => {
    const trader = new StockTrader();
    const monitor = new ComplexTradeMonitorV3({ market: market("Bullish"), timeout: 10_000 });
    const station = new TradeStationV2({ trader, timeout: 10_000 });

    const monitorRun = monitor.run({ payload: "NVDA" });
    const stationRun = station.run();
    const orders = bridge(monitorRun, stationRun, [TradeEventV2]);
    const answers = bridge(stationRun, monitorRun, [TradeDoneEvent]);
    const monitorEvents = collect(monitorRun.streamEvents());
    const stationEvents = collect(stationRun.streamEvents());

    expect(await monitorRun).toBe("We are done for the day: buy NVDA");
    expect(await stationRun).toBe("Done!");
    expect(trader.orders).toEqual(["buy NVDA"]);
    expect((await monitorEvents).filter((e) => e instanceof TradeEventV2)).toEqual([
      expect.objectContaining({ sentiment: "Bullish", stock: "NVDA" }),
    ]);
    expect(messages(await stationEvents)).toEqual([
      "We are now in a new workflow named TradeStation",
    ]);
    expect([orders.delivered, answers.delivered]).toEqual([1, 1]);
    expect([orders.closed, answers.closed]).toEqual([true, true]);
  });
});
