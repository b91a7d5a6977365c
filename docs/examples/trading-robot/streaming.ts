import { z } from "zod";
import { type Context, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import {
  BuyEvent,
  GetSentimentEvent,
  LoopEvent,
  ProgressEvent,
  SellEvent,
  StockTrader,
  sleep,
} from "./shared.js";

const TradeState = z.object({ stock: z.string().default(""), counter: z.number().default(0) });
type TradeState = z.output<typeof TradeState>;

// #region workflow
class TradeMonitorWorkflowV2 extends Workflow {
  static override state = TradeState;

  readonly totalCycle = 2;
  readonly trader = new StockTrader();

  begin = step(
    { accepts: [StartEvent, LoopEvent], emits: [GetSentimentEvent, StopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      // print(...) becomes a ProgressEvent on the run's stream.
      ctx.writeEventToStream(new ProgressEvent({ payload: "We now return to the begin step" }));
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
  // #endregion workflow

  getSentiment = step(
    { accepts: [GetSentimentEvent], emits: [BuyEvent, SellEvent] },
    (ev, ctx: Context<TradeState>) => {
      ctx.writeEventToStream(
        new ProgressEvent({
          payload: `Will get the latest sentiment for stock ${String(ev.payload)}`,
        }),
      );
      return Math.random() < 0.3
        ? new SellEvent({ payload: "Bearish" })
        : new BuyEvent({ payload: "Bullish" });
    },
  );

  buy = step({ accepts: [BuyEvent], emits: [LoopEvent] }, async (ev, ctx: Context<TradeState>) => {
    ctx.writeEventToStream(
      new ProgressEvent({ payload: `We now buy with sentiment ${String(ev.payload)}.` }),
    );
    await this.trader.buy(await ctx.store.get("stock"));
    return new LoopEvent({ payload: "Start a new cycle." });
  });

  sell = step(
    { accepts: [SellEvent], emits: [LoopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      ctx.writeEventToStream(
        new ProgressEvent({ payload: `We now sell with sentiment ${String(ev.payload)}.` }),
      );
      await this.trader.sell(await ctx.store.get("stock"));
      return new LoopEvent({ payload: "Start a new cycle." });
    },
  );
}

// #region main
const handler = new TradeMonitorWorkflowV2().run({ payload: "NVDA" });
for await (const ev of handler.streamEvents()) {
  if (ev instanceof ProgressEvent) console.log(`>> ${String(ev.payload)}`);
}
console.log(await handler);
// #endregion main
