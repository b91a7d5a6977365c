/**
 * The main demo (`pnpm demo`): runs two workflows of the seed article and prints what they do.
 *
 * 1. SimpleWorkflow, with verbose logging: which step runs and what event it produces.
 * 2. TradeMonitorWorkflowV2: the trading robot streams its progress as events, consumed with
 *    `for await`, while the run goes on.
 */
import { pathToFileURL } from "node:url";
import { StopEvent } from "@eventloom/core";
import {
  ProgressEvent,
  SimpleWorkflow,
  type TradeDesk,
  TradeMonitorWorkflowV2,
  realDesk,
} from "./src/trade-monitor.js";

/** What {@link main} prints to, and what it uses for randomness and waiting. */
export interface DemoOptions {
  /** Where lines go; default `console.log`. */
  readonly print?: (line: string) => void;
  /** Randomness and sleeping of the trading robot; default real, with the waits shortened. */
  readonly desk?: Partial<Omit<TradeDesk, "log">>;
  /** Milliseconds since some origin, for the elapsed-time column; default `performance.now`. */
  readonly clock?: () => number;
}

/** The article's sleeps (3 s, 0.5 s) divided by this, so the demo takes about a second. */
const SPEED_UP = 10;

export async function main(options: DemoOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const clock = options.clock ?? (() => performance.now());

  print("Eventloom demo: two workflows from the seed article");
  print("");

  // --- 1. a two-step workflow --------------------------------------------------------------
  print("1. SimpleWorkflow: start (StartEvent -> SecondStepEvent), secondStep (-> StopEvent)");
  print('   run({ payload: "hello world" }) with verbose logging:');
  const simple = new SimpleWorkflow({
    timeout: 10_000,
    verbose: true,
    logger: (line) => print(`   | ${line}`),
  });
  const result = await simple.run({ payload: "hello world" });
  print(`   result: ${JSON.stringify(result)}`);
  print("");

  // --- 2. a looping, branching workflow that streams its progress ---------------------------
  print("2. TradeMonitorWorkflowV2: begin -> getSentiment -> buy | sell -> begin ... -> stop");
  print('   run({ payload: "NVDA" }) for 2 cycles; events as they stream in:');
  const start = clock();
  const stamp = () => `+${((clock() - start) / 1000).toFixed(2)}s`.padStart(7);
  const desk: TradeDesk = {
    random: options.desk?.random ?? realDesk.random,
    sleep: options.desk?.sleep ?? ((ms) => realDesk.sleep(ms / SPEED_UP)),
    log: (line) => print(`   ${stamp()}  (trader)       ${line}`),
  };
  const monitor = new TradeMonitorWorkflowV2({ timeout: 10_000, totalCycle: 2, desk });
  const handler = monitor.run({ payload: "NVDA" });
  for await (const event of handler.streamEvents()) {
    if (event instanceof ProgressEvent) {
      print(`   ${stamp()}  ProgressEvent  ${String(event.payload)}`);
    } else if (event instanceof StopEvent) {
      print(`   ${stamp()}  ${event.constructor.name.padEnd(13)}  (the run has ended)`);
    }
  }
  print(`   result: ${JSON.stringify(await handler)}`);
  print(`   steps run: ${handler.history.map((r) => r.step).join(" -> ")}`);
}

// Run when executed directly (`tsx examples/demo.ts`), not when a test imports main().
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  await main();
}
