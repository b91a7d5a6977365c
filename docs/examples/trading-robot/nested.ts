import { z } from "zod";
import { StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { addWorkflows, runNested } from "@eventloom/services";
import { StockTrader } from "./shared.js";

// #region station
class TradeStart extends StartEvent.define({ stock: z.string(), sentiment: z.string() }) {}

/** The article's TradeStation: a workflow of its own that does the trading. */
class TradeStation extends Workflow {
  readonly trader = new StockTrader();

  trade = step({ accepts: [TradeStart], emits: [StopEvent] }, async (ev) => {
    if (ev.sentiment === "Bullish") await this.trader.buy(ev.stock);
    else if (ev.sentiment === "Bearish") await this.trader.sell(ev.stock);
    else console.log("Do nothing");
    return new StopEvent({
      result: `${ev.sentiment === "Bullish" ? "Bought" : "Sold"} ${ev.stock}`,
    });
  });
}
// #endregion station

// #region monitor
/** The monitor's last step hands the trade to the nested TradeStation. */
class TradeMonitor extends Workflow {
  decide = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["tradeStation"] },
    async (ev, ctx, { tradeStation }) => {
      const sentiment = Math.random() < 0.3 ? "Bearish" : "Bullish"; // the vote, shortened
      const order = await runNested(ctx, tradeStation as TradeStation, {
        stock: String(ev["payload"]),
        sentiment,
      });
      return new StopEvent({ result: order });
    },
  );
}

const monitor = addWorkflows(new TradeMonitor(), { tradeStation: new TradeStation() });
console.log(await monitor.run({ payload: "NVDA" }));
// #endregion monitor
