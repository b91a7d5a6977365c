import { describe, expect, it } from "vitest";
import { filter, lastValueFrom, map, toArray } from "rxjs";
import { StopEvent, describeWorkflow } from "@eventloom/core";
import {
  BuyEvent,
  ComplexTradeMonitor,
  GetSentimentEvent,
  LoopEvent,
  PredictionResultEvent,
  ProgressEvent,
  SellEvent,
  SimpleWorkflow,
  type TradeDesk,
  TestWorkflow,
  TradeEvent,
  TradeMonitorWorkflow,
  TradeMonitorWorkflowV2,
  WSBSentimentEvent,
  WSJSentimentEvent,
} from "./trade-monitor.js";

/** A random source that returns the given numbers in order, and fails loudly past the end. */
function randomSequence(...values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error(`random() called more than ${values.length} times`);
    return values[i++]!;
  };
}

/** A desk that never waits, with a fixed random source; it records sleeps and printed lines. */
function instantDesk(random: () => number) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const desk: TradeDesk = {
    random,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (line) => lines.push(line),
  };
  return { desk, lines, sleeps };
}

describe("SimpleWorkflow (Starting simple)", () => {
  it("passes the start payload through both steps and resolves to it", async () => {
    expect(await new SimpleWorkflow({ timeout: 10_000 }).run({ payload: "hello world" })).toBe(
      "hello world",
    );
  });

  it("logs each step and what it produced in verbose mode", async () => {
    const lines: string[] = [];
    const wf = new SimpleWorkflow({ verbose: true, logger: (l) => lines.push(l) });
    await wf.run({ payload: "hello world" });
    expect(lines).toEqual([
      "Running step start",
      "Step start produced event SecondStepEvent",
      "Running step secondStep",
      "Step secondStep produced event StopEvent",
    ]);
  });
});

describe("TradeMonitorWorkflow (branching and looping)", () => {
  it("buys on a bullish reading, loops back to begin and stops after one cycle", async () => {
    const { desk, lines, sleeps } = instantDesk(randomSequence(0.9));
    const handler = new TradeMonitorWorkflow({ desk }).run({ payload: "NVDA" });
    expect(await handler).toBe("We're done for the day.");
    expect(lines).toEqual([
      "We now return to the begin step",
      "Wil get the latest sentiment for stock NVDA",
      "We now buy some stock with sentiment Bullish.",
      "Buying NVDA",
      "We now return to the begin step",
    ]);
    expect(sleeps).toEqual([3000, 500]);
    expect(handler.history.map((r) => r.step)).toEqual(["begin", "getSentiment", "buy", "begin"]);
  });

  it("sells on a bearish reading (random below 0.3)", async () => {
    const { desk, lines } = instantDesk(randomSequence(0.29));
    await new TradeMonitorWorkflow({ desk }).run({ payload: "NVDA" });
    expect(lines).toContain("We now sell some stock with sentiment Bearish");
    expect(lines).toContain("Selling NVDA");
    expect(lines.some((l) => l.startsWith("Buying"))).toBe(false);
  });

  it("runs totalCycle cycles, branching on each reading", async () => {
    const { desk, lines } = instantDesk(randomSequence(0.1, 0.9, 0.2));
    const handler = new TradeMonitorWorkflow({ desk, totalCycle: 3 }).run({ payload: "AAPL" });
    expect(await handler).toBe("We're done for the day.");
    expect(lines.filter((l) => /^(Buying|Selling)/.test(l))).toEqual([
      "Selling AAPL",
      "Buying AAPL",
      "Selling AAPL",
    ]);
    const outputs = handler.history.map((r) => r.output.map((e) => e.constructor));
    expect(outputs).toEqual([
      [GetSentimentEvent],
      [SellEvent],
      [LoopEvent],
      [GetSentimentEvent],
      [BuyEvent],
      [LoopEvent],
      [GetSentimentEvent],
      [SellEvent],
      [LoopEvent],
      [StopEvent],
    ]);
  });

  it("keeps the counter per run, so two concurrent runs of one instance each do their cycles", async () => {
    const { desk, lines } = instantDesk(() => 0.9);
    const wf = new TradeMonitorWorkflow({ desk, totalCycle: 2 });
    await Promise.all([wf.run({ payload: "A" }), wf.run({ payload: "B" })]);
    expect(lines.filter((l) => l === "Buying A")).toHaveLength(2);
    expect(lines.filter((l) => l === "Buying B")).toHaveLength(2);
  });
});

describe("TradeMonitorWorkflowV2 (streaming events)", () => {
  const expectedProgress = [
    "We now return to the begin step",
    "Wil get the latest sentiment for stock NVDA",
    "We now buy some stock with sentiment Bullish.",
    "We now return to the begin step",
  ];

  it("streams ProgressEvents to a for await loop, then the StopEvent", async () => {
    const { desk, lines } = instantDesk(() => 0.9);
    const handler = new TradeMonitorWorkflowV2({ desk, timeout: 10_000 }).run({
      payload: "NVDA",
    });
    const progress: string[] = [];
    let last: unknown;
    for await (const event of handler.streamEvents()) {
      if (event instanceof ProgressEvent) progress.push(String(event.payload));
      last = event;
    }
    expect(progress).toEqual(expectedProgress);
    expect(last).toBeInstanceOf(StopEvent);
    expect(await handler).toBe("We're done for the day.");
    // Only the trader prints now; the steps' progress went to the stream.
    expect(lines).toEqual(["Buying NVDA"]);
  });

  it("gives the same stream as an RxJS Observable to pipe through operators", async () => {
    const { desk } = instantDesk(randomSequence(0.1, 0.9));
    const handler = new TradeMonitorWorkflowV2({ desk, totalCycle: 2 }).run({ payload: "NVDA" });
    const progress = await lastValueFrom(
      handler.events$.pipe(
        filter((e): e is ProgressEvent => e instanceof ProgressEvent),
        map((e) => String(e.payload)),
        filter((p) => p.startsWith("We now") && !p.includes("begin")),
        toArray(),
      ),
    );
    expect(progress).toEqual([
      "We now sell some stock with sentiment Bearish",
      "We now buy some stock with sentiment Bullish.",
    ]);
    expect(await handler).toBe("We're done for the day.");
  });
});

describe("ComplexTradeMonitor (concurrent execution)", () => {
  /** A desk whose first three sleeps wait until the test releases them; later ones don't wait. */
  function controlledDesk(random: () => number) {
    const lines: string[] = [];
    const pending: { ms: number; release: () => void }[] = [];
    let held = 0;
    let onThreePending!: () => void;
    const threePending = new Promise<void>((r) => (onThreePending = r));
    const desk: TradeDesk = {
      random,
      sleep: (ms) =>
        new Promise<void>((release) => {
          if (held === 3) return release();
          held++;
          pending.push({ ms, release });
          if (held === 3) onThreePending();
        }),
      log: (line) => lines.push(line),
    };
    return { desk, lines, pending, threePending };
  }

  it("runs the three sentiment steps at once and trades only after collecting all three", async () => {
    // Three delays (1, 2 and 3 s), then the readings in the order the sleeps end.
    const { desk, lines, pending, threePending } = controlledDesk(
      randomSequence(0.0, 0.4, 0.9, 0.1, 0.2, 0.95),
    );
    const handler = new ComplexTradeMonitor({ desk, timeout: 10_000 }).run({ payload: "NVDA" });

    await threePending; // all three sentiment steps are sleeping at the same time
    expect(pending.map((p) => p.ms)).toEqual([1000, 2000, 3000]);
    expect(handler.history.filter((r) => r.step === "tradingDecision")).toEqual([]);

    // They return at different times: the trend predictor first, WSB last.
    const [wsb, wsj, trend] = pending;
    trend!.release();
    wsj!.release();
    wsb!.release();
    expect(await handler).toBe("We are done for the day.");

    const decisions = handler.history.filter((r) => r.step === "tradingDecision");
    expect(decisions.map((r) => r.input.constructor)).toEqual([
      PredictionResultEvent,
      WSJSentimentEvent,
      WSBSentimentEvent,
    ]);
    expect(decisions.map((r) => r.output.map((e) => e.constructor))).toEqual([
      [],
      [],
      [TradeEvent],
    ]);
    // trend read 0.1 (Bearish), wsj 0.2 (Bearish), wsb 0.95 (Bullish): Bearish wins 2 to 1.
    expect(lines).toEqual(['{"Bullish":1,"Bearish":2}', "Selling NVDA"]);
  });

  it("buys when the majority is bullish", async () => {
    const { desk, lines } = instantDesk(randomSequence(0.5, 0.5, 0.5, 0.9, 0.1, 0.8));
    expect(await new ComplexTradeMonitor({ desk }).run({ payload: "TSLA" })).toBe(
      "We are done for the day.",
    );
    expect(lines).toEqual(['{"Bullish":2,"Bearish":1}', "Buying TSLA"]);
  });
});

describe("unbound syntax (Workflow.addStep)", () => {
  it("runs a step added to an empty workflow class from outside", async () => {
    const handler = new TestWorkflow().run();
    expect(await handler).toBeUndefined();
    expect(handler.history.map((r) => r.step)).toEqual(["someStep"]);
    expect(describeWorkflow(new TestWorkflow()).steps.map((s) => s.name)).toEqual(["someStep"]);
  });
});
