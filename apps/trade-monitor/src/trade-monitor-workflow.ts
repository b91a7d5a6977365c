import { z } from "zod";
import { type Context, StopEvent, Workflow, type WorkflowOptions, step } from "@eventloom/core";
import { BuyEvent, GetSentimentEvent, LoopEvent, MonitorStartEvent, SellEvent } from "./events.js";
import { reportProgress } from "./progress.js";
import { StockTrader, type TradeSide } from "./stock-trader.js";
import { type TradeDesk, drawSentiment } from "./trade-desk.js";

/**
 * What a trade monitor keeps per run. The article keeps `self.stock` and `self.counter` on the
 * workflow instance, which two runs of one instance would share; here they live in the run's
 * store, so concurrent runs stay independent.
 */
export const MonitorState = z.object({
  stock: z.string().default(""),
  counter: z.number().int().default(0),
  trades: z.array(z.enum(["buy", "sell"])).default([]),
});
export type MonitorState = z.output<typeof MonitorState>;

/** Options of {@link TradeMonitorWorkflow}. */
export interface TradeMonitorOptions extends WorkflowOptions {
  /** The simulated market and clock. */
  readonly desk: TradeDesk;
  /** How many buy/sell cycles before stopping (the article's `total_cycle`); default 1. */
  readonly totalCycle?: number;
}

/** What a {@link TradeMonitorWorkflow} run resolves to. */
export interface MonitorResult {
  readonly message: string;
  readonly stock: string;
  /** Every order placed, in order. */
  readonly trades: readonly TradeSide[];
}

/**
 * The article's first trading robot, in its streaming form (`TradeMonitorWorkflowV2`): `begin`
 * loops `totalCycle` times through `getSentiment`, which branches to `buy` or `sell`, each of
 * which loops back with a `LoopEvent`. Every step writes its progress to the stream.
 */
export class TradeMonitorWorkflow extends Workflow {
  static override state = MonitorState;

  readonly desk: TradeDesk;
  readonly totalCycle: number;
  readonly trader: StockTrader;

  constructor({ desk, totalCycle = 1, ...options }: TradeMonitorOptions) {
    super(options);
    this.desk = desk;
    this.totalCycle = totalCycle;
    this.trader = new StockTrader(desk);
  }

  begin = step(
    { accepts: [MonitorStartEvent, LoopEvent], emits: [GetSentimentEvent, StopEvent] },
    async (ev, ctx: Context<MonitorState>) => {
      reportProgress(ctx, "begin", "We now return to the begin step");
      if (ev instanceof MonitorStartEvent) await ctx.store.set("stock", ev.payload);
      const stock = await ctx.store.get("stock");
      const counter = await ctx.store.get("counter");
      if (counter < this.totalCycle) {
        await this.desk.sleep(3000);
        await ctx.store.set("counter", counter + 1);
        return new GetSentimentEvent({ payload: stock });
      }
      const result: MonitorResult = {
        message: "We're done for the day.",
        stock,
        trades: await ctx.store.get("trades"),
      };
      return new StopEvent({ result });
    },
  );

  getSentiment = step(
    { accepts: [GetSentimentEvent], emits: [BuyEvent, SellEvent] },
    (ev, ctx: Context<MonitorState>) => {
      reportProgress(ctx, "getSentiment", `Will get the latest sentiment for stock ${ev.payload}`);
      return drawSentiment(this.desk.random) === "Bearish"
        ? new SellEvent({ payload: "Bearish" })
        : new BuyEvent({ payload: "Bullish" });
    },
  );

  buy = step(
    { accepts: [BuyEvent], emits: [LoopEvent] },
    async (ev, ctx: Context<MonitorState>) => {
      reportProgress(ctx, "buy", `We now buy some stock with sentiment ${ev.payload}.`);
      await this.placeOrder(ctx, "buy");
      return new LoopEvent({ payload: "Start a new cycle." });
    },
  );

  sell = step(
    { accepts: [SellEvent], emits: [LoopEvent] },
    async (ev, ctx: Context<MonitorState>) => {
      reportProgress(ctx, "sell", `We now sell some stock with sentiment ${ev.payload}`);
      await this.placeOrder(ctx, "sell");
      return new LoopEvent({ payload: "Start a new cycle." });
    },
  );

  private async placeOrder(ctx: Context<MonitorState>, side: TradeSide): Promise<void> {
    const stock = await ctx.store.get("stock");
    await this.trader[side](stock);
    reportProgress(ctx, side, `${side === "buy" ? "Bought" : "Sold"} ${stock}`);
    await ctx.store.set("trades", [...(await ctx.store.get("trades")), side]);
  }
}
