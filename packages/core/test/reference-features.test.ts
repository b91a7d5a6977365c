// Features of the two reference documents (the Python Workflow API reference and the trading
// robot article) that no other test checks as such. The rest is covered elsewhere:
// examples/src/trade-monitor.test.ts (every article workflow), stepwise/validation/steps/stream
// tests here (run_step, is_done, _validate, add_step, stream_events), and the plugins' tests
// (nested workflows and add_workflows, communication between workflows, unbound-step modules,
// draw_all_possible_flows, retries). Core's tests cannot import the plugins (core's tsconfig has
// rootDir "." and no dependency on them), so plugin features are checked in the plugins'
// design-conformance.test.ts files.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "../src/index.js";
import { deferred } from "./support/control.js";

/** The article's BaseEvent: `payload: str | dict | None`. */
const BaseEvent = Event.define({
  payload: z.union([z.string(), z.record(z.string(), z.unknown())]).nullable(),
});
class LoopEvent extends BaseEvent {}
class GetSentimentEvent extends BaseEvent {}
class BuyEvent extends BaseEvent {}
class SellEvent extends BaseEvent {}
class ProgressEvent extends BaseEvent {}
class WSBSentimentEvent extends BaseEvent {}
class WSJSentimentEvent extends BaseEvent {}
class PredictionResultEvent extends BaseEvent {}
class TradeEvent extends BaseEvent {}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the API reference's Workflow", () => {
  it("resolves to the StopEvent's result as is, falsy ones included (the original's `ev.result or None` made them None)", async () => {
    for (const result of [0, "", false, null, Number.NaN]) {
      class Falsy extends Workflow {
        done = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result }));
      }
      expect(await new Falsy().run()).toStrictEqual(result);
    }
  });

  it("prints `Running step X` and `Step X produced ...` with verbose and no logger, as the original prints", async () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      printed.push(args);
    });
    class Simple extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        return new StopEvent({ result: "hello world" });
      });
    }
    expect(await new Simple({ verbose: true }).run()).toBe("hello world");
    expect(printed).toEqual([["Running step start"], ["Step start produced event StopEvent"]]);
  });
});

describe("the article's trading robot", () => {
  it("streams progress to the caller while the run is still going (streaming_log), then ends with the stop event", async () => {
    const gate = deferred();
    class TradeMonitorV2 extends Workflow {
      begin = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
        ctx.writeEventToStream(new ProgressEvent({ payload: "We now return to the begin step" }));
        await gate.promise; // the article's asyncio.sleep(3): the caller must not wait for it
        ctx.writeEventToStream(new ProgressEvent({ payload: `traded ${String(ev["payload"])}` }));
        return new StopEvent({ result: "We're done for the day." });
      });
    }
    const handler = new TradeMonitorV2({ timeout: 10_000 }).run({ payload: "[Stock Code]" });
    const stream = handler.streamEvents();

    const first = await stream.next();
    expect(first.value).toBeInstanceOf(ProgressEvent);
    expect((first.value as ProgressEvent).payload).toBe("We now return to the begin step");
    expect(handler.isDone()).toBe(false);

    gate.resolve();
    const rest: Event[] = [];
    for await (const ev of stream) rest.push(ev);
    expect(rest.map((e) => (e instanceof ProgressEvent ? e.payload : e.constructor))).toEqual([
      "traded [Stock Code]",
      StopEvent,
    ]);
    expect(await handler).toBe("We're done for the day.");
  });

  it("runs the branching, looping TradeMonitorWorkflow written the Python way: decorated methods, config from the constructor", async () => {
    type State = { stock: string; counter: number };
    class TradeMonitorWorkflow extends Workflow {
      static override state = z.object({
        stock: z.string().default(""),
        counter: z.number().default(0),
      });
      readonly orders: string[] = [];
      constructor(
        readonly totalCycle: number,
        private readonly readings: number[],
      ) {
        super({ timeout: 10_000 });
      }

      @step({ accepts: [StartEvent, LoopEvent], emits: [GetSentimentEvent, StopEvent] })
      async begin(ev: StartEvent | LoopEvent, ctx: Context<State>) {
        if (ev instanceof StartEvent) await ctx.store.set("stock", String(ev["payload"]));
        const counter = await ctx.store.get("counter");
        if (counter < this.totalCycle) {
          await ctx.store.set("counter", counter + 1);
          return new GetSentimentEvent({ payload: await ctx.store.get("stock") });
        }
        return new StopEvent({ result: "We're done for the day." });
      }

      @step({ accepts: [GetSentimentEvent], emits: [BuyEvent, SellEvent] })
      async getSentiment(_ev: GetSentimentEvent) {
        return this.readings.shift()! < 0.3
          ? new SellEvent({ payload: "Bearish" })
          : new BuyEvent({ payload: "Bullish" });
      }

      @step({ accepts: [BuyEvent], emits: [LoopEvent] })
      async buy(_ev: BuyEvent, ctx: Context<State>) {
        this.orders.push(`buy ${await ctx.store.get("stock")}`);
        return new LoopEvent({ payload: "Start a new cycle." });
      }

      @step({ accepts: [SellEvent], emits: [LoopEvent] })
      async sell(_ev: SellEvent, ctx: Context<State>) {
        this.orders.push(`sell ${await ctx.store.get("stock")}`);
        return new LoopEvent({ payload: "Start a new cycle." });
      }
    }
    const wf = new TradeMonitorWorkflow(3, [0.9, 0.1, 0.5]);
    const handler = wf.run({ payload: "NVDA" });
    expect(await handler).toBe("We're done for the day.");
    expect(wf.orders).toEqual(["buy NVDA", "sell NVDA", "buy NVDA"]);
    expect(handler.history.map((r) => r.step)).toEqual([
      "begin",
      "getSentiment",
      "buy",
      "begin",
      "getSentiment",
      "sell",
      "begin",
      "getSentiment",
      "buy",
      "begin",
    ]);
  });

  it("shows in verbose mode that the first two sentiments reach trading_decision without producing a TradeEvent", async () => {
    const lines: string[] = [];
    class ComplexTradeMonitor extends Workflow {
      start = step(
        {
          accepts: [StartEvent],
          emits: [WSBSentimentEvent, WSJSentimentEvent, PredictionResultEvent],
        },
        (_ev, ctx) => {
          ctx.sendEvent(new PredictionResultEvent({ payload: "Bullish" }));
          ctx.sendEvent(new WSJSentimentEvent({ payload: "Bearish" }));
          ctx.sendEvent(new WSBSentimentEvent({ payload: "Bullish" }));
        },
      );
      tradingDecision = step(
        {
          accepts: [WSBSentimentEvent, WSJSentimentEvent, PredictionResultEvent],
          emits: [TradeEvent],
          numWorkers: 1,
        },
        (ev, ctx) => {
          const results = ctx.collectEvents(ev, [
            WSBSentimentEvent,
            WSJSentimentEvent,
            PredictionResultEvent,
          ]);
          if (results === null) return null;
          const bullish = results.filter((r) => r.payload === "Bullish").length;
          return new TradeEvent({ payload: bullish >= 2 ? "Bullish" : "Bearish" });
        },
      );
      trade = step(
        { accepts: [TradeEvent], emits: [StopEvent] },
        (ev) => new StopEvent({ result: `${String(ev.payload)}: We are done for the day.` }),
      );
    }
    const wf = new ComplexTradeMonitor({ verbose: true, logger: (l) => lines.push(l) });
    expect(await wf.run({ payload: "[Stock Code]" })).toBe("Bullish: We are done for the day.");
    expect(lines.filter((l) => l.startsWith("Step tradingDecision"))).toEqual([
      "Step tradingDecision produced no event",
      "Step tradingDecision produced no event",
      "Step tradingDecision produced event TradeEvent",
    ]);
    expect(lines.filter((l) => l === "Running step tradingDecision")).toHaveLength(3);
    expect(lines).toContain("Step start produced no event");
  });
});
