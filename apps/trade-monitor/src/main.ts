/**
 * The trade monitor app: the seed article's trading robot on Eventloom, traced with
 * OpenTelemetry into Jaeger (OTLP/HTTP), with a local copy of every trace.
 *
 *   pnpm --filter @eventloom/trade-monitor start [-- --seed 42 --stock NVDA --cycles 2 --fast]
 *
 * It runs two workflows of the article, streaming their progress as it happens:
 * 1. TradeMonitorWorkflow: a branch (buy or sell) inside a loop;
 * 2. ComplexTradeMonitorV2: three sentiment sources at once, a vote with `collectEvents`, and the
 *    order placed through the nested TradeStation workflow.
 * Each run is one trace. Without a collector the app still runs, says so once, and writes the
 * traces to files.
 */
import type { Journal, WorkflowHandler } from "@eventloom/core";
import { addWorkflows } from "@eventloom/services";
import { ComplexTradeMonitorV2, type DecisionResult } from "./complex-trade-monitor.js";
import { type AppConfig, ConfigError, readConfig } from "./config.js";
import { answerApproval, openJournal, printJournal, startApproval } from "./durable-demo.js";
import { ProgressEvent } from "./events.js";
import { runSpanOf, writeTraceFile } from "./local-trace.js";
import { drawRun } from "./run-drawing.js";
import { type Telemetry, type TelemetrySummary, startTelemetry } from "./telemetry.js";
import { createDesk } from "./trade-desk.js";
import { type MonitorResult, TradeMonitorWorkflow } from "./trade-monitor-workflow.js";
import { TradeStation } from "./trade-station.js";

const SERVICE_NAME = "trade-monitor";

type Print = (line: string) => void;

/** A finished top-level run, for the summary at the end. */
interface RunReport {
  readonly workflowName: string;
  readonly runId: string;
  readonly handler: WorkflowHandler<unknown>;
}

/** What the app wrote for a run: its trace as JSON, and its drawing. */
interface LocalView {
  trace?: string;
  drawing?: string;
}

/** Called after each progress line (--crash-after counts them). */
type Tick = () => void;

/** Prints the run's progress events as they arrive, then returns its result. */
async function streamProgress<R>(
  handler: WorkflowHandler<R>,
  print: Print,
  tick: Tick = () => {},
  options?: { from: number },
): Promise<R> {
  const start = performance.now();
  for await (const event of options === undefined
    ? handler.streamEvents()
    : handler.streamEvents(options)) {
    if (event instanceof ProgressEvent) {
      const elapsed = `+${((performance.now() - start) / 1000).toFixed(2)}s`.padStart(7);
      print(`   ${elapsed}  ${event.source.padEnd(38)} ${event.message}`);
      tick();
    }
  }
  return await handler;
}

/**
 * `--crash-after N`: after the N-th progress line, this process kills itself with SIGKILL, as
 * `kill -9` would: no cleanup, no flush. The journal still holds every step boundary.
 */
function crashAfter(n: number | undefined, print: Print): Tick {
  let seen = 0;
  return () => {
    if (n === undefined || ++seen < n) return;
    print(
      `   ! --crash-after ${n}: killing this process with SIGKILL now; continue with: pnpm demo -- --resume`,
    );
    process.kill(process.pid, "SIGKILL");
  };
}

/** The workflow option that journals every run, when there is a journal. */
function journaled(journal: Journal | undefined): { journal?: Journal } {
  return journal === undefined ? {} : { journal };
}

function tradeMonitor(config: AppConfig, journal: Journal | undefined): TradeMonitorWorkflow {
  const desk = createDesk({ seed: config.seed, speedUp: config.speedUp });
  return new TradeMonitorWorkflow({
    desk,
    totalCycle: config.cycles,
    timeout: config.timeoutMs,
    ...journaled(journal),
  });
}

function complexTradeMonitor(
  config: AppConfig,
  journal: Journal | undefined,
): ComplexTradeMonitorV2 {
  // One desk for both workflows: the nested TradeStation shares the simulated clock.
  const desk = createDesk({ seed: config.seed + 1, speedUp: config.speedUp });
  return addWorkflows(
    new ComplexTradeMonitorV2({ desk, timeout: config.timeoutMs, ...journaled(journal) }),
    { tradeStation: new TradeStation({ desk, timeout: 30_000 }) },
  );
}

async function runTradeMonitor(
  config: AppConfig,
  journal: Journal | undefined,
  print: Print,
  runs: RunReport[],
  tick: Tick,
): Promise<void> {
  const monitor = tradeMonitor(config, journal);
  print(
    `1. TradeMonitorWorkflow: branch (buy | sell) and loop, ${config.cycles} cycles on ${config.stock}`,
  );
  const handler = monitor.run({ payload: config.stock });
  print(`   run ${handler.runId}`);
  // Reported before it settles: a failed run still gets its trace file and drawing.
  runs.push({ workflowName: monitor.workflowName, runId: handler.runId, handler });
  printMonitorResult((await streamProgress(handler, print, tick)) as MonitorResult, print);
}

function printMonitorResult(result: MonitorResult, print: Print): void {
  const orders = result.trades.length === 0 ? "none" : result.trades.join(", ");
  print(`   Final decision: ${result.message} Orders placed: ${orders}.`);
  print("");
}

async function runComplexTradeMonitor(
  config: AppConfig,
  journal: Journal | undefined,
  print: Print,
  runs: RunReport[],
  tick: Tick,
): Promise<DecisionResult> {
  const monitor = complexTradeMonitor(config, journal);
  print(
    `2. ComplexTradeMonitorV2: three sentiment sources at once, collectEvents, nested TradeStation`,
  );
  const handler = monitor.run({ payload: config.stock });
  print(`   run ${handler.runId}`);
  runs.push({ workflowName: monitor.workflowName, runId: handler.runId, handler });
  const result = (await streamProgress(handler, print, tick)) as DecisionResult;
  printDecision(result, print);
  return result;
}

function printDecision(result: DecisionResult, print: Print): void {
  const votes = Object.entries(result.votes)
    .map(([sentiment, n]) => `${sentiment} ${n}`)
    .join(", ");
  const action = { buy: "bought", sell: "sold", hold: "held" }[result.order.action];
  print(
    `   Final decision: ${result.decision} (votes: ${votes}): TradeStation ${action} ${result.order.stock}. ${result.message}`,
  );
  print("");
}

/**
 * `--resume`: recovers every unfinished run of the two monitors from the journal (a process
 * killed with --crash-after left them) and finishes them here, replaying each one's stream from
 * its start. Waits while the dead process's claims hold (10 s after it died). Untraced.
 */
async function resumeRuns(config: AppConfig, journal: Journal, print: Print): Promise<number> {
  const workflows = [tradeMonitor(config, journal), complexTradeMonitor(config, journal)];
  let pending = 0;
  for (const wf of workflows) {
    const unfinished = await journal.listRuns({ workflow: wf.workflowName, status: "running" });
    pending += unfinished.length;
    let handlers = await wf.recover();
    for (let waited = 0; handlers.length < unfinished.length && waited < 30; waited++) {
      if (waited === 0) {
        print(
          `   ${wf.workflowName}: the killed process still holds its claims (they lapse 10 s after it died): waiting`,
        );
      }
      await new Promise((resolve) => globalThis.setTimeout(resolve, 1_000));
      handlers = [...handlers, ...(await wf.recover())];
    }
    for (const handler of handlers) {
      print(`Resuming ${wf.workflowName} run ${handler.runId} from the journal`);
      const result = await streamProgress(handler, print, () => {}, { from: 0 });
      if (wf instanceof TradeMonitorWorkflow) printMonitorResult(result as MonitorResult, print);
      else printDecision(result as DecisionResult, print);
    }
  }
  if (pending === 0) print("Nothing to resume: no monitor run in the journal is unfinished.");
  const waiting = await journal.listRuns({ workflow: "OrderApproval", status: "running" });
  if (waiting.length > 0) {
    print(
      `${waiting.length} approval run(s) wait for the trader: pnpm demo -- --approve ${waiting[0]!.runId}`,
    );
  }
  return 0;
}

function printTracing(
  telemetry: Telemetry,
  summary: TelemetrySummary,
  runs: readonly RunReport[],
  files: ReadonlyMap<string, LocalView>,
  config: AppConfig,
  print: Print,
): void {
  print("Traces");
  const delivered = telemetry.collector.reachable
    ? `${summary.exported} sent over OTLP to ${telemetry.tracesUrl}`
    : "0 sent over OTLP (no collector)";
  print(`   spans: ${summary.started} started, ${summary.ended} ended, ${delivered}`);
  if (summary.failed > 0) {
    print(
      `   ! the collector at ${telemetry.tracesUrl} did not take ${summary.failed} spans (${summary.failure ?? "unknown error"}); the local trace files have them all`,
    );
  }
  const spans = telemetry.finishedSpans();
  for (const run of runs) {
    const root = runSpanOf(spans, run.runId);
    if (root === undefined) continue;
    const link =
      telemetry.collector.reachable && summary.failed === 0
        ? `  ${config.jaegerUiUrl}/trace/${root.traceId}`
        : "";
    print(`   ${run.workflowName.padEnd(22)} trace ${root.traceId}${link}`);
  }
  for (const [runId, view] of files) {
    if (view.trace !== undefined) print(`   local trace of run ${runId}: ${view.trace}`);
    if (view.drawing !== undefined) print(`   drawing of run ${runId}:     ${view.drawing}`);
  }
  if (telemetry.collector.reachable && summary.failed === 0) {
    print(
      `   In Jaeger: ${config.jaegerUiUrl}/search?service=${SERVICE_NAME}, or open the links above.`,
    );
  }
}

async function main(): Promise<number> {
  const print: Print = (line) => console.log(line);
  let config: AppConfig;
  try {
    config = readConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  if (config.resume) {
    const journal = openJournal(config, (line) => console.error(line.trim()));
    if (journal === undefined) return 1;
    try {
      return await resumeRuns(config, journal, print);
    } finally {
      await journal.close();
    }
  }
  if (config.answer !== undefined) {
    // A second invocation: answer a waiting approval from the journal, nothing else.
    const journal = openJournal(config, (line) => console.error(line.trim()));
    if (journal === undefined) return 1;
    try {
      return await answerApproval(journal, config.answer, print);
    } finally {
      await journal.close();
    }
  }
  const telemetry = await startTelemetry({
    serviceName: SERVICE_NAME,
    tracesUrl: config.tracesUrl,
  });

  print("Eventloom trade monitor: the seed article's trading robot, traced with OpenTelemetry");
  print(
    `   seed ${config.seed} (replay with --seed ${config.seed}), simulated waits ${config.speedUp}x shorter`,
  );
  if (telemetry.collector.reachable) {
    print(`   traces: OTLP/HTTP to ${config.tracesUrl} as service.name=${SERVICE_NAME}`);
  } else {
    print(
      `   ! OTLP collector unreachable at ${config.tracesUrl} (${telemetry.collector.reason}): traces go to local files only; start Jaeger with "docker compose up -d" in apps/trade-monitor`,
    );
  }
  const journal = openJournal(config, print);
  if (journal !== undefined && config.journalPath !== null) {
    print(`   journal: every run is written to ${config.journalPath} (SQLite) at each step`);
  }
  print("");

  const runs: RunReport[] = [];
  let exitCode = 0;
  let journaledHere = 0;
  try {
    const tick = crashAfter(config.crashAfter, print);
    await runTradeMonitor(config, journal, print, runs, tick);
    const decision = await runComplexTradeMonitor(config, journal, print, runs, tick);
    journaledHere = journal === undefined ? 0 : 2;
    if (journal !== undefined) {
      const action = decision.order.action;
      await startApproval(
        journal,
        { stock: decision.stock, action, reason: `the sources voted ${decision.decision}` },
        print,
      );
      journaledHere++;
    }
  } catch (error) {
    const run = runs.at(-1);
    console.error(
      `! ${run === undefined ? "The app" : `The run ${run.runId} of ${run.workflowName}`} failed: ${oneLine(error)}`,
    );
    print("");
    exitCode = 1;
  }

  const summary = await telemetry.shutdown();
  const spans = telemetry.finishedSpans();
  const files = new Map<string, LocalView>();
  let outDirProblem: string | undefined;
  for (const run of runs) {
    const view: LocalView = {};
    files.set(run.runId, view);
    if (outDirProblem !== undefined) continue;
    try {
      const trace = await writeTraceFile(config.outDir, run.runId, spans);
      if (trace !== undefined) view.trace = trace;
    } catch (error) {
      outDirProblem = oneLine(error);
      continue;
    }
    try {
      view.drawing = await drawRun(config.outDir, run.handler);
    } catch (error) {
      // A drawing is a convenience: the run and its traces stand without it.
      console.error(`! could not draw run ${run.runId}: ${oneLine(error)}`);
    }
  }
  if (outDirProblem !== undefined) {
    console.error(
      `! could not write the local traces and drawings to ${config.outDir} (${outDirProblem}): set TRADE_MONITOR_OUT_DIR or --out to a folder that can be created`,
    );
    exitCode = 1;
  }
  printTracing(telemetry, summary, runs, files, config, print);
  if (journal !== undefined && config.journalPath !== null) {
    print("");
    await printJournal(journal, config.journalPath, journaledHere || runs.length, print);
    await journal.close();
  }
  return exitCode;
}

/** An error as one line: its class and message (with its cause's), never a stack. */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const own = `${error.name}: ${error.message}`.replace(/\s*\n\s*/g, " ");
  return error.cause instanceof Error ? `${own} (cause: ${oneLine(error.cause)})` : own;
}

process.exitCode = await main();
