import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { StockTrader, sleep } from "./shared.js";

// #region events
const BaseEvent = Event.define({ payload: z.string() });
class WSBEvent extends BaseEvent {}
class WSBSentimentEvent extends BaseEvent {}
class WSJEvent extends BaseEvent {}
class WSJSentimentEvent extends BaseEvent {}
class TrendingPredictionEvent extends BaseEvent {}
class PredictionResultEvent extends BaseEvent {}
class TradeEvent extends BaseEvent {}
// #endregion events

/** Waits one to three seconds, then reads the mood: 30% bearish. */
async function readSentiment(): Promise<string> {
  await sleep(1000 * (1 + Math.floor(Math.random() * 3)));
  return Math.random() < 0.3 ? "Bearish" : "Bullish";
}

// #region workflow
class ComplexTradeMonitor extends Workflow {
  static override state = z.object({ stock: z.string().default("") });
  readonly trader = new StockTrader();

  // Fan-out: three events at once.
  start = step(
    { accepts: [StartEvent], emits: [WSBEvent, WSJEvent, TrendingPredictionEvent] },
    async (ev, ctx: Context<{ stock: string }>) => {
      const stock = String(ev["payload"]);
      await ctx.store.set("stock", stock);
      ctx.sendEvent(new WSBEvent({ payload: stock }));
      ctx.sendEvent(new WSJEvent({ payload: stock }));
      ctx.sendEvent(new TrendingPredictionEvent({ payload: stock }));
    },
  );

  // Three steps, running concurrently.
  wsbSentiment = step({ accepts: [WSBEvent], emits: [WSBSentimentEvent] }, async () => {
    return new WSBSentimentEvent({ payload: await readSentiment() });
  });

  wsjSentiment = step({ accepts: [WSJEvent], emits: [WSJSentimentEvent] }, async () => {
    return new WSJSentimentEvent({ payload: await readSentiment() });
  });

  trendingPredict = step(
    { accepts: [TrendingPredictionEvent], emits: [PredictionResultEvent] },
    async () => new PredictionResultEvent({ payload: await readSentiment() }),
  );

  // Fan-in: wait for all three, then vote.
  tradingDecision = step(
    { accepts: [WSBSentimentEvent, WSJSentimentEvent, PredictionResultEvent], emits: [TradeEvent] },
    (ev, ctx) => {
      const results = ctx.collectEvents(ev, [
        WSBSentimentEvent,
        WSJSentimentEvent,
        PredictionResultEvent,
      ]);
      if (results === null) return null;
      const votes = new Map<string, number>();
      for (const r of results) votes.set(r.payload, (votes.get(r.payload) ?? 0) + 1);
      console.log(JSON.stringify(Object.fromEntries(votes)));
      const [winner] = [...votes].sort((a, b) => b[1] - a[1])[0]!;
      return new TradeEvent({ payload: winner });
    },
  );

  trade = step(
    { accepts: [TradeEvent], emits: [StopEvent] },
    async (ev, ctx: Context<{ stock: string }>) => {
      const stock = await ctx.store.get("stock");
      if (ev.payload === "Bullish") await this.trader.buy(stock);
      else await this.trader.sell(stock);
      return new StopEvent({ result: "We are done for the day." });
    },
  );
}

console.log(await new ComplexTradeMonitor().run({ payload: "NVDA" }));
// #endregion workflow
