/**
 * The demo's durable side: every run is journaled to a SQLite file, and the last one (an
 * OrderApproval) waits for the trader across restarts: this process ends with it waiting, and
 * `--approve ID` / `--reject ID` answers it from a new process.
 */
import { ProxyTracerProvider } from "@opentelemetry/api";
import { type Journal, JournalError, RunOwnedError, type WorkflowHandler } from "@eventloom/core";
import { sqliteJournal } from "@eventloom/sqlite";
import type { AppConfig } from "./config.js";
import { ProgressEvent } from "./events.js";
import {
  type ApprovalResult,
  ApprovalRequestEvent,
  OrderApproval,
  ProposalEvent,
  TraderDecisionEvent,
} from "./order-approval.js";

type Print = (line: string) => void;

/**
 * The approval run is not traced: its run span would stay open for as long as it waits (days,
 * maybe), and the demo's trace summary counts only spans that have ended. A tracer of a
 * provider with no SDK behind it is a no-op.
 */
const untraced = new ProxyTracerProvider().getTracer("trade-monitor");

/**
 * Opens the journal, or says in one line why it cannot and gives undefined: the demo then runs
 * unjournaled (like the missing collector, a missing journal never stops it).
 */
export function openJournal(config: AppConfig, print: Print): Journal | undefined {
  if (config.journalPath === null) return undefined;
  try {
    return sqliteJournal({
      path: config.journalPath,
      ...(config.claimMs === undefined ? {} : { claimMs: config.claimMs }),
    });
  } catch (error) {
    if (!(error instanceof JournalError)) throw error;
    print(
      `   ! could not open the journal (${error.message.split("\n")[0]}): runs are not journaled; set --journal FILE or TRADE_MONITOR_JOURNAL, or turn it off with --no-journal`,
    );
    return undefined;
  }
}

/** A relative path when it is shorter (what a user types), else the absolute one. */
function shown(path: string): string {
  const cwd = `${process.cwd()}/`;
  return path.startsWith(cwd) ? path.slice(cwd.length) : path;
}

function progressLine(event: ProgressEvent, start: number): string {
  const elapsed = `+${((performance.now() - start) / 1000).toFixed(2)}s`.padStart(7);
  return `   ${elapsed}  ${event.source.padEnd(38)} ${event.message}`;
}

/**
 * Part 3: starts an OrderApproval run for the order part 2 decided, shows its progress until it
 * asks the trader, and leaves it waiting. Gives its run id.
 */
export async function startApproval(
  journal: Journal,
  proposal: { stock: string; action: "buy" | "sell" | "hold"; reason: string },
  print: Print,
): Promise<string> {
  const approval = new OrderApproval({ journal, timeout: null, tracer: untraced });
  print("3. OrderApproval: the trader approves the order, maybe days later, in another process");
  const handler = approval.run(new ProposalEvent(proposal));
  // Not "run <id>" as the traced runs above: this one has no trace.
  print(`   approval run ${handler.runId} (journaled, not traced)`);
  const start = performance.now();
  for await (const event of handler.streamEvents()) {
    if (event instanceof ProgressEvent) print(progressLine(event, start));
    if (event instanceof ApprovalRequestEvent) break;
  }
  print(`   The run waits for the trader, journaled: this process ends without finishing it.`);
  print(`   Answer it from a new process:  pnpm demo -- --approve ${handler.runId}`);
  print(`                              or  pnpm demo -- --reject ${handler.runId}`);
  print("");
  return handler.runId;
}

/**
 * `--approve ID` / `--reject ID`: resumes the waiting run from the journal in this process,
 * replays its stream from the start, answers its question, and prints the outcome. While the
 * process that left it has its claim (core's lease: 10 s after that process stopped), it waits.
 * Gives the exit code.
 */
export async function answerApproval(
  journal: Journal,
  answer: { runId: string; approved: boolean },
  print: Print,
): Promise<number> {
  const approval = new OrderApproval({ journal, timeout: null, tracer: untraced });
  const runs = await journal.listRuns({ workflow: approval.workflowName });
  const run = runs.find((r) => r.runId === answer.runId);
  if (run === undefined) {
    const waiting = runs.filter((r) => r.status === "running").map((r) => r.runId);
    console.error(
      `! The journal has no OrderApproval run ${answer.runId}. ${waiting.length === 0 ? "No run there waits for the trader: start one with pnpm demo." : `Runs waiting for the trader: ${waiting.join(", ")}`}`,
    );
    return 1;
  }
  print(`Answering the OrderApproval run ${answer.runId} from the journal`);
  for (let attempt = 1; ; attempt++) {
    const handler = approval.resume(answer.runId) as WorkflowHandler<ApprovalResult>;
    const start = performance.now();
    let answered = false;
    try {
      for await (const event of handler.streamEvents({ from: 0 })) {
        if (event instanceof ProgressEvent) print(progressLine(event, start));
        // Asked again after the restart, or only replayed from the journal: answered once.
        if (event instanceof ApprovalRequestEvent && !answered && !handler.isDone()) {
          answered = true;
          handler.sendEvent(new TraderDecisionEvent({ approved: answer.approved }));
        }
      }
      const result = await handler;
      const outcome = `the order to ${result.action} ${result.stock} ${result.approved ? "goes ahead" : "is dropped"}`;
      if (!answered) {
        print(
          `   It had been answered already: ${result.approved ? "approved" : "rejected"}; ${outcome}.`,
        );
        return result.approved === answer.approved ? 0 : 1;
      }
      print(`   ${result.approved ? "Approved" : "Rejected"}: ${outcome}.`);
      return 0;
    } catch (error) {
      if (error instanceof RunOwnedError && attempt < 30) {
        if (attempt === 1) {
          print(
            "   the process that left it still holds its claim (it lapses 10 s after that process stopped): waiting",
          );
        }
        await new Promise((resolve) => globalThis.setTimeout(resolve, 1_000));
        continue;
      }
      console.error(`! ${(error as Error).name}: ${(error as Error).message}`);
      return 1;
    }
  }
}

/** The journal's section of the summary: what this file holds, and what still waits. */
export async function printJournal(
  journal: Journal,
  path: string,
  journaledHere: number,
  print: Print,
): Promise<void> {
  const runs = await journal.listRuns();
  const byStatus = new Map<string, number>();
  for (const run of runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
  const counts = [...byStatus].map(([status, n]) => `${n} ${status}`).join(", ");
  print("Journal");
  print(
    `   ${shown(path)} (SQLite): ${journaledHere} runs journaled by this process, ${runs.length} in the file (${counts})`,
  );
  const waiting = runs.filter((r) => r.workflow === "OrderApproval" && r.status === "running");
  if (waiting.length > 0) {
    print(`   waiting for the trader: ${waiting.map((r) => r.runId).join(", ")}`);
  }
}
