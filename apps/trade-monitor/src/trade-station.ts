import { StopEvent, Workflow, type WorkflowOptions, step } from "@eventloom/core";
import { TradeOrderEvent } from "./events.js";
import { reportProgress } from "./progress.js";
import { StockTrader, type TradeSide } from "./stock-trader.js";
import type { TradeDesk } from "./trade-desk.js";

/** Options of {@link TradeStation}. */
export interface TradeStationOptions extends WorkflowOptions {
  /** The simulated market and clock. */
  readonly desk: TradeDesk;
}

/** What a {@link TradeStation} run resolves to: the order it placed, if any. */
export interface OrderResult {
  readonly stock: string;
  readonly action: TradeSide | "hold";
}

/**
 * The article's nested workflow: the trading logic split out of the monitor. It starts with a
 * `TradeOrderEvent` (`run({ stock, sentiment })`), buys on Bullish, sells on Bearish, and
 * otherwise holds.
 */
export class TradeStation extends Workflow {
  readonly trader: StockTrader;

  constructor({ desk, ...options }: TradeStationOptions) {
    super(options);
    this.trader = new StockTrader(desk);
  }

  trade = step({ accepts: [TradeOrderEvent], emits: [StopEvent] }, async (ev, ctx) => {
    reportProgress(ctx, "trade", "We are now in a new workflow named TradeStation");
    const action: OrderResult["action"] =
      ev.sentiment === "Bullish" ? "buy" : ev.sentiment === "Bearish" ? "sell" : "hold";
    if (action === "hold") {
      reportProgress(ctx, "trade", `Do nothing with ${ev.stock}`);
    } else {
      await this.trader[action](ev.stock);
      reportProgress(ctx, "trade", `${action === "buy" ? "Bought" : "Sold"} ${ev.stock}`);
    }
    const result: OrderResult = { stock: ev.stock, action };
    return new StopEvent({ result });
  });
}
