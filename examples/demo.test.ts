import { expect, it } from "vitest";
import { main } from "./demo.js";

it("prints the simple run's verbose log and result, then the trading robot's stream as it comes", async () => {
  const lines: string[] = [];
  const readings = [0.9, 0.1]; // bullish, then bearish
  await main({
    print: (line) => lines.push(line),
    desk: { random: () => readings.shift() ?? 0.5, sleep: async () => {} },
    clock: () => 0,
  });
  expect(lines).toEqual([
    "Eventloom demo: two workflows from the seed article",
    "",
    "1. SimpleWorkflow: start (StartEvent -> SecondStepEvent), secondStep (-> StopEvent)",
    '   run({ payload: "hello world" }) with verbose logging:',
    "   | Running step start",
    "   | Step start produced event SecondStepEvent",
    "   | Running step secondStep",
    "   | Step secondStep produced event StopEvent",
    '   result: "hello world"',
    "",
    "2. TradeMonitorWorkflowV2: begin -> getSentiment -> buy | sell -> begin ... -> stop",
    '   run({ payload: "NVDA" }) for 2 cycles; events as they stream in:',
    "    +0.00s  ProgressEvent  We now return to the begin step",
    "    +0.00s  ProgressEvent  Wil get the latest sentiment for stock NVDA",
    "    +0.00s  ProgressEvent  We now buy some stock with sentiment Bullish.",
    "    +0.00s  (trader)       Buying NVDA",
    "    +0.00s  ProgressEvent  We now return to the begin step",
    "    +0.00s  ProgressEvent  Wil get the latest sentiment for stock NVDA",
    "    +0.00s  ProgressEvent  We now sell some stock with sentiment Bearish",
    "    +0.00s  (trader)       Selling NVDA",
    "    +0.00s  ProgressEvent  We now return to the begin step",
    "    +0.00s  StopEvent      (the run has ended)",
    '   result: "We\'re done for the day."',
    "   steps run: begin -> getSentiment -> buy -> begin -> getSentiment -> sell -> begin",
  ]);
});
