import { z } from "zod";
import { type Context, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { BuyEvent, GetSentimentEvent, LoopEvent, SellEvent, StockTrader, sleep } from "./shared.js";

// #region workflow
const TradeState = z.object({ stock: z.string().default(""), counter: z.number().default(0) });
type TradeState = z.output<typeof TradeState>;

class TradeMonitorWorkflow extends Workflow {
  // The article keeps stock and counter on `self`; a run's store keeps runs apart.
  static override state = TradeState;

  readonly totalCycle = 3;
  readonly trader = new StockTrader();

  begin = step(
    { accepts: [StartEvent, LoopEvent], emits: [GetSentimentEvent, StopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      console.log("We now return to the begin step");
      if (ev instanceof StartEvent) await ctx.store.set("stock", String(ev["payload"]));
      const counter = await ctx.store.get("counter");
      if (counter < this.totalCycle) {
        await sleep(3000);
        await ctx.store.set("counter", counter + 1);
        return new GetSentimentEvent({ payload: await ctx.store.get("stock") });
      }
      return new StopEvent({ result: "We're done for the day." });
    },
  );

  getSentiment = step({ accepts: [GetSentimentEvent], emits: [BuyEvent, SellEvent] }, (ev) => {
    console.log(`Will get the latest sentiment for stock ${String(ev.payload)}`);
    return Math.random() < 0.3
      ? new SellEvent({ payload: "Bearish" })
      : new BuyEvent({ payload: "Bullish" });
  });

  buy = step({ accepts: [BuyEvent], emits: [LoopEvent] }, async (ev, ctx: Context<TradeState>) => {
    console.log(`We now buy some stock with sentiment ${String(ev.payload)}.`);
    await this.trader.buy(await ctx.store.get("stock"));
    return new LoopEvent({ payload: "Start a new cycle." });
  });

  sell = step(
    { accepts: [SellEvent], emits: [LoopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      console.log(`We now sell some stock with sentiment ${String(ev.payload)}`);
      await this.trader.sell(await ctx.store.get("stock"));
      return new LoopEvent({ payload: "Start a new cycle." });
    },
  );
}

console.log(await new TradeMonitorWorkflow().run({ payload: "NVDA" }));
// #endregion workflow
