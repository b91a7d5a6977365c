import { z } from "zod";
import { type Context, StopEvent, Workflow, type WorkflowOptions, step } from "@eventloom/core";
import { runNested } from "@eventloom/services";
import {
  MonitorStartEvent,
  PredictionResultEvent,
  ProgressEvent,
  TradeEvent,
  TrendingPredictionEvent,
  WSBEvent,
  WSBSentimentEvent,
  WSJEvent,
  WSJSentimentEvent,
} from "./events.js";
import { reportProgress } from "./progress.js";
import { StockTrader } from "./stock-trader.js";
import {
  type Sentiment,
  type TradeDesk,
  drawOneToThreeSeconds,
  drawSentiment,
} from "./trade-desk.js";
import { MonitorState } from "./trade-monitor-workflow.js";
import type { OrderResult, TradeStation } from "./trade-station.js";

/** What a {@link ComplexTradeMonitor} keeps per run: the stock, and the votes once counted. */
export const DecisionState = MonitorState.extend({
  votes: z.record(z.string(), z.number().int()).default({}),
});
export type DecisionState = z.output<typeof DecisionState>;

/** Options of {@link ComplexTradeMonitor}. */
export interface ComplexTradeMonitorOptions extends WorkflowOptions {
  /** The simulated market and clock. */
  readonly desk: TradeDesk;
}

/** What a {@link ComplexTradeMonitor} run resolves to. */
export interface DecisionResult {
  readonly message: string;
  readonly stock: string;
  /** How many sources voted for each sentiment. */
  readonly votes: Readonly<Record<string, number>>;
  /** The sentiment with the most votes. */
  readonly decision: string;
  /** The order placed on that decision. */
  readonly order: OrderResult;
}

/**
 * The article's concurrent trading robot: `start` sends three events at once; three sentiment
 * steps (r/wallstreetbets, the Wall Street Journal, a trend predictor) run concurrently and
 * answer after one to three (simulated) seconds; `tradingDecision` waits for all three with
 * `collectEvents` and votes; `trade` buys or sells.
 */
export class ComplexTradeMonitor extends Workflow {
  static override state = DecisionState;

  readonly desk: TradeDesk;
  readonly trader: StockTrader;

  constructor({ desk, ...options }: ComplexTradeMonitorOptions) {
    super(options);
    this.desk = desk;
    this.trader = new StockTrader(desk);
  }

  start = step(
    { accepts: [MonitorStartEvent], emits: [WSBEvent, WSJEvent, TrendingPredictionEvent] },
    async (ev, ctx: Context<DecisionState>) => {
      await ctx.store.set("stock", ev.payload);
      reportProgress(ctx, "start", `Asking three sources about ${ev.payload} at once`);
      ctx.sendEvent(new WSBEvent({ payload: ev.payload }));
      ctx.sendEvent(new WSJEvent({ payload: ev.payload }));
      ctx.sendEvent(new TrendingPredictionEvent({ payload: ev.payload }));
    },
  );

  wsbSentiment = step({ accepts: [WSBEvent], emits: [WSBSentimentEvent] }, async (_ev, ctx) => {
    const sentiment = await this.readSentiment(ctx, "wsbSentiment", "r/wallstreetbets");
    return new WSBSentimentEvent({ payload: sentiment });
  });

  wsjSentiment = step({ accepts: [WSJEvent], emits: [WSJSentimentEvent] }, async (_ev, ctx) => {
    const sentiment = await this.readSentiment(ctx, "wsjSentiment", "The Wall Street Journal");
    return new WSJSentimentEvent({ payload: sentiment });
  });

  trendingPredict = step(
    { accepts: [TrendingPredictionEvent], emits: [PredictionResultEvent] },
    async (_ev, ctx) => {
      const sentiment = await this.readSentiment(ctx, "trendingPredict", "the trend predictor");
      return new PredictionResultEvent({ payload: sentiment });
    },
  );

  tradingDecision = step(
    {
      accepts: [WSBSentimentEvent, WSJSentimentEvent, PredictionResultEvent],
      emits: [TradeEvent],
    },
    async (ev, ctx: Context<DecisionState>) => {
      const results = ctx.collectEvents(ev, [
        WSBSentimentEvent,
        WSJSentimentEvent,
        PredictionResultEvent,
      ]);
      if (results === null) {
        reportProgress(
          ctx,
          "tradingDecision",
          `${ev.constructor.name} is in; waiting for the rest`,
        );
        return null;
      }
      const votes = countVotes(results.map((r) => r.payload));
      const decision = mostVoted(votes);
      await ctx.store.set("votes", votes);
      reportProgress(ctx, "tradingDecision", `Votes ${JSON.stringify(votes)}: ${decision}`);
      return new TradeEvent({ payload: decision });
    },
  );

  trade = step(
    { accepts: [TradeEvent], emits: [StopEvent] },
    async (ev, ctx: Context<DecisionState>) => {
      const stock = await ctx.store.get("stock");
      let order: OrderResult;
      if (ev.payload === "Bullish" || ev.payload === "Bearish") {
        const side = ev.payload === "Bullish" ? "buy" : "sell";
        await this.trader[side](stock);
        reportProgress(ctx, "trade", `${side === "buy" ? "Bought" : "Sold"} ${stock}`);
        order = { stock, action: side };
      } else {
        reportProgress(ctx, "trade", "Do nothing");
        order = { stock, action: "hold" };
      }
      return new StopEvent({ result: await decisionResult(ctx, ev, order) });
    },
  );

  /**
   * Reads one source's mood. Both random draws happen before the wait, in the order the steps
   * start, so a seeded run makes the same decisions whichever source answers first.
   */
  private async readSentiment(ctx: Context, stepName: string, source: string): Promise<Sentiment> {
    const sentiment = drawSentiment(this.desk.random);
    const delay = drawOneToThreeSeconds(this.desk.random);
    reportProgress(ctx, stepName, `Reading ${source}...`);
    await this.desk.sleep(delay);
    reportProgress(ctx, stepName, `${source} says ${sentiment} (after ${delay / 1000} s)`);
    return sentiment;
  }
}

/**
 * The article's `ComplexTradeMonitorV2`: the order goes through a nested `TradeStation`
 * workflow, injected as the service `tradeStation` (`addWorkflows(monitor, { tradeStation })`).
 * `runNested` starts it as a child of this step: it shares the caller's trace (its run span is a
 * child of this step's span), cancellation and deadline, and its progress is forwarded into this
 * run's stream.
 */
export class ComplexTradeMonitorV2 extends ComplexTradeMonitor {
  override trade = step(
    { accepts: [TradeEvent], emits: [StopEvent], services: ["tradeStation"] },
    async (ev, ctx: Context<DecisionState>, services) => {
      const station = services["tradeStation"] as TradeStation;
      const stock = await ctx.store.get("stock");
      const order = (await runNested(
        ctx,
        station,
        { stock, sentiment: ev.payload },
        { forwardStream: (event) => event instanceof ProgressEvent },
      )) as OrderResult;
      return new StopEvent({ result: await decisionResult(ctx, ev, order) });
    },
  );
}

async function decisionResult(
  ctx: Context<DecisionState>,
  ev: TradeEvent,
  order: OrderResult,
): Promise<DecisionResult> {
  return {
    message: "We are done for the day.",
    stock: await ctx.store.get("stock"),
    votes: await ctx.store.get("votes"),
    decision: ev.payload,
    order,
  };
}

/** The article's `Counter`: how many times each sentiment appears, in first-seen order. */
function countVotes(sentiments: readonly string[]): Record<string, number> {
  const votes: Record<string, number> = {};
  for (const s of sentiments) votes[s] = (votes[s] ?? 0) + 1;
  return votes;
}

/** The article's `max(voting, key=voting.get)`: the first sentiment with the most votes. */
function mostVoted(votes: Readonly<Record<string, number>>): string {
  let best = "";
  let most = 0;
  for (const [sentiment, count] of Object.entries(votes)) {
    if (count > most) [best, most] = [sentiment, count];
  }
  return best;
}
