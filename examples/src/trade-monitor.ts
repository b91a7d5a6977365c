/**
 * Every workflow of the seed article ("Deep Dive into LlamaIndex Workflow: Event-driven LLM
 * architecture"), written with Eventloom. The demo, the docs and the tests reuse these classes.
 *
 * Differences from the article's Python, on purpose:
 * - Randomness, waiting and printing are injected ({@link TradeDesk}), so a test can make a run
 *   deterministic and instant, and the demo can shorten the article's sleeps.
 * - The article keeps `self.stock` and `self.counter` on the workflow instance, which two runs of
 *   one instance would share. Here they live in the run's store (`ctx.store`), typed by a
 *   `static state` schema, so concurrent runs stay independent.
 */
import { z } from "zod";
import {
  type Context,
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowOptions,
  step,
} from "@eventloom/core";

// --- what the workflows need from the outside world ------------------------------------------

/** The outside world of the trading robot: a random source, a clock and a printer. */
export interface TradeDesk {
  /** A number in [0, 1), like `Math.random` (the article's `random.random()`). */
  readonly random: () => number;
  /** Waits `ms` milliseconds (the article's `asyncio.sleep`). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Prints a line (the article's `print`). */
  readonly log: (line: string) => void;
}

/** Real randomness, real timers and `console.log`: what the article does. */
export const realDesk: TradeDesk = {
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  log: (line) => console.log(line),
};

/** The article's `StockTrader`: buying and selling take half a second each. */
export class StockTrader {
  constructor(private readonly desk: TradeDesk = realDesk) {}

  async buy(stock: string): Promise<void> {
    await this.desk.sleep(500);
    this.desk.log(`Buying ${stock}`);
  }

  async sell(stock: string): Promise<void> {
    await this.desk.sleep(500);
    this.desk.log(`Selling ${stock}`);
  }
}

/** Options of the article's workflows: the usual workflow options plus the injected desk. */
export interface TradeWorkflowOptions extends WorkflowOptions {
  /** Randomness, sleeping and printing; default {@link realDesk}. */
  readonly desk?: Partial<TradeDesk>;
}

/** Options of the looping trade monitors. */
export interface TradeMonitorOptions extends TradeWorkflowOptions {
  /** How many buy/sell cycles before stopping (the article's `total_cycle`); default 1. */
  readonly totalCycle?: number;
}

function splitOptions(options: TradeWorkflowOptions): [WorkflowOptions, TradeDesk] {
  const { desk, ...workflowOptions } = options;
  delete (workflowOptions as { totalCycle?: unknown }).totalCycle;
  return [workflowOptions, { ...realDesk, ...desk }];
}

// --- events ------------------------------------------------------------------------------------

/**
 * The article's `BaseEvent`: every event carries its message in `payload`
 * (`payload: str | dict | None`). Subclasses are named by their own class name.
 */
export const BaseEvent = Event.define({
  payload: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable(),
});

export class SecondStepEvent extends BaseEvent {}
export class LoopEvent extends BaseEvent {}
export class GetSentimentEvent extends BaseEvent {}
export class BuyEvent extends BaseEvent {}
export class SellEvent extends BaseEvent {}
export class ProgressEvent extends BaseEvent {}
export class WSBEvent extends BaseEvent {}
export class WSBSentimentEvent extends BaseEvent {}
export class WSJEvent extends BaseEvent {}
export class WSJSentimentEvent extends BaseEvent {}
export class TrendingPredictionEvent extends BaseEvent {}
export class PredictionResultEvent extends BaseEvent {}
export class TradeEvent extends BaseEvent {}

/** A sentiment as the article spells it. */
export type Sentiment = "Bullish" | "Bearish";

/** The article's `random.random() < 0.3`: 30% of the time the news is bearish. */
function sentimentFrom(random: () => number): Sentiment {
  return random() < 0.3 ? "Bearish" : "Bullish";
}

/** The article's `random.randint(1, 3)` seconds, in ms. */
function oneToThreeSeconds(random: () => number): number {
  return 1000 * (1 + Math.floor(random() * 3));
}

// --- "Starting simple" ------------------------------------------------------------------------

/**
 * The article's first workflow: `start` turns the start payload into a `SecondStepEvent`, and
 * `secondStep` stops with it. One step is a field, the other a decorated method: both forms
 * declare the same kind of step.
 */
export class SimpleWorkflow extends Workflow {
  start = step({ accepts: [StartEvent], emits: [SecondStepEvent] }, async (ev) => {
    return new SecondStepEvent({ payload: String(ev["payload"]) });
  });

  @step({ accepts: [SecondStepEvent], emits: [StopEvent] })
  async secondStep(ev: SecondStepEvent, _ctx: Context) {
    return new StopEvent({ result: ev.payload });
  }
}

// --- "Branching and looping control" ----------------------------------------------------------

/** What the trade monitors keep per run. */
export const TradeState = z.object({
  stock: z.string().default(""),
  counter: z.number().int().default(0),
});
export type TradeState = z.output<typeof TradeState>;

/**
 * The first trading robot: `begin` loops `totalCycle` times through `getSentiment`, which
 * branches to `buy` or `sell`, each of which loops back with a `LoopEvent`. Progress is printed.
 */
export class TradeMonitorWorkflow extends Workflow {
  static override state = TradeState;

  readonly totalCycle: number;
  readonly desk: TradeDesk;
  readonly trader: StockTrader;

  constructor(options: TradeMonitorOptions = {}) {
    const [workflowOptions, desk] = splitOptions(options);
    super(workflowOptions);
    this.totalCycle = options.totalCycle ?? 1;
    this.desk = desk;
    this.trader = new StockTrader(desk);
  }

  /** The article's `print`; {@link TradeMonitorWorkflowV2} writes to the stream instead. */
  protected report(_ctx: Context<TradeState>, message: string): void {
    this.desk.log(message);
  }

  begin = step(
    { accepts: [StartEvent, LoopEvent], emits: [GetSentimentEvent, StopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      this.report(ctx, "We now return to the begin step");
      if (ev instanceof StartEvent) await ctx.store.set("stock", String(ev["payload"]));
      const counter = await ctx.store.get("counter");
      if (counter < this.totalCycle) {
        await this.desk.sleep(3000);
        await ctx.store.set("counter", counter + 1);
        return new GetSentimentEvent({ payload: await ctx.store.get("stock") });
      }
      return new StopEvent({ result: "We're done for the day." });
    },
  );

  getSentiment = step(
    { accepts: [GetSentimentEvent], emits: [BuyEvent, SellEvent] },
    async (ev, ctx: Context<TradeState>) => {
      this.report(ctx, `Wil get the latest sentiment for stock ${String(ev.payload)}`);
      return sentimentFrom(this.desk.random) === "Bearish"
        ? new SellEvent({ payload: "Bearish" })
        : new BuyEvent({ payload: "Bullish" });
    },
  );

  buy = step({ accepts: [BuyEvent], emits: [LoopEvent] }, async (ev, ctx: Context<TradeState>) => {
    this.report(ctx, `We now buy some stock with sentiment ${String(ev.payload)}.`);
    await this.trader.buy(await ctx.store.get("stock"));
    return new LoopEvent({ payload: "Start a new cycle." });
  });

  sell = step(
    { accepts: [SellEvent], emits: [LoopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      this.report(ctx, `We now sell some stock with sentiment ${String(ev.payload)}`);
      await this.trader.sell(await ctx.store.get("stock"));
      return new LoopEvent({ payload: "Start a new cycle." });
    },
  );
}

// --- "Streaming events" -----------------------------------------------------------------------

/**
 * The streaming trading robot: the same steps, but progress goes to the run's stream as
 * `ProgressEvent`s (the article's `ctx.write_event_to_stream`), for the caller to show.
 */
export class TradeMonitorWorkflowV2 extends TradeMonitorWorkflow {
  protected override report(ctx: Context<TradeState>, message: string): void {
    ctx.writeEventToStream(new ProgressEvent({ payload: message }));
  }
}

// --- "Concurrent execution" -------------------------------------------------------------------

/**
 * The concurrent trading robot: `start` sends three events at once; three sentiment steps run
 * concurrently; `tradingDecision` waits for all three with `collectEvents` and votes; `trade`
 * buys or sells.
 */
export class ComplexTradeMonitor extends Workflow {
  static override state = TradeState;

  readonly desk: TradeDesk;
  readonly trader: StockTrader;

  constructor(options: TradeWorkflowOptions = {}) {
    const [workflowOptions, desk] = splitOptions(options);
    super(workflowOptions);
    this.desk = desk;
    this.trader = new StockTrader(desk);
  }

  /** Waits one to three seconds, then reads the mood: the article's stand-in for real analysis. */
  private async readSentiment(): Promise<Sentiment> {
    await this.desk.sleep(oneToThreeSeconds(this.desk.random));
    return sentimentFrom(this.desk.random);
  }

  start = step(
    { accepts: [StartEvent], emits: [WSBEvent, WSJEvent, TrendingPredictionEvent] },
    async (ev, ctx: Context<TradeState>) => {
      const stock = String(ev["payload"]);
      await ctx.store.set("stock", stock);
      ctx.sendEvent(new WSBEvent({ payload: stock }));
      ctx.sendEvent(new WSJEvent({ payload: stock }));
      ctx.sendEvent(new TrendingPredictionEvent({ payload: stock }));
    },
  );

  wsbSentiment = step({ accepts: [WSBEvent], emits: [WSBSentimentEvent] }, async () => {
    return new WSBSentimentEvent({ payload: await this.readSentiment() });
  });

  wsjSentiment = step({ accepts: [WSJEvent], emits: [WSJSentimentEvent] }, async () => {
    return new WSJSentimentEvent({ payload: await this.readSentiment() });
  });

  trendingPredict = step(
    { accepts: [TrendingPredictionEvent], emits: [PredictionResultEvent] },
    async () => new PredictionResultEvent({ payload: await this.readSentiment() }),
  );

  tradingDecision = step(
    {
      accepts: [WSBSentimentEvent, WSJSentimentEvent, PredictionResultEvent],
      emits: [TradeEvent],
    },
    (ev, ctx) => {
      const results = ctx.collectEvents(ev, [
        WSBSentimentEvent,
        WSJSentimentEvent,
        PredictionResultEvent,
      ]);
      if (results === null) return null;
      // The article's Counter + max: the first sentiment with the most votes wins.
      const voting = new Map<string, number>();
      for (const r of results)
        voting.set(String(r.payload), (voting.get(String(r.payload)) ?? 0) + 1);
      this.desk.log(JSON.stringify(Object.fromEntries(voting)));
      let sentiment = "";
      let best = 0;
      for (const [s, votes] of voting) if (votes > best) [sentiment, best] = [s, votes];
      return new TradeEvent({ payload: sentiment });
    },
  );

  trade = step(
    { accepts: [TradeEvent], emits: [StopEvent] },
    async (ev, ctx: Context<TradeState>) => {
      const stock = await ctx.store.get("stock");
      switch (ev.payload) {
        case "Bullish":
          await this.trader.buy(stock);
          break;
        case "Bearish":
          await this.trader.sell(stock);
          break;
        default:
          this.desk.log("Do nothing");
      }
      return new StopEvent({ result: "We are done for the day." });
    },
  );
}

// --- "Unbound syntax" -------------------------------------------------------------------------

/**
 * The article's unbound-step example: the class declares nothing, and a step is added from
 * outside with `addStep` (Python's `@step(workflow=TestWorkflow)`).
 */
export class TestWorkflow extends Workflow {}

TestWorkflow.addStep(
  step({ name: "someStep", accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent()),
);
