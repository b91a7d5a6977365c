// kill -9 with two real processes: a child process starts a run that waits for a human and is
// killed with SIGKILL while it waits; this process recovers the run from the SQLite file and
// finishes it.
//
//   node --import tsx docs/examples/durable-runs-crash.ts
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  type Journal,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { sqliteJournal } from "@eventloom/sqlite";

class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {}
class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {}

/** The order workflow; `log` hears each pass of the code before the wait. */
function orders(journal: Journal, log: (line: string) => void): Workflow {
  class OrderWorkflow extends Workflow {
    static override workflowName = "OrderWorkflow";
    static override externalEvents = [Approval];
    approve = step({ accepts: [StartEvent], emits: [AskApproval, StopEvent] }, async (ev, ctx) => {
      const orderId = String(ev["orderId"]);
      log(`before the wait (${ctx.invocationId})`); // runs again after a crash
      const answer = await ctx.waitForEvent(Approval, {
        waiterEvent: new AskApproval({ orderId }),
      });
      return new StopEvent({ result: `${orderId}: ${answer.ok ? "shipped" : "cancelled"}` });
    });
  }
  return new OrderWorkflow({ journal, timeout: null });
}

// The lease a process's claim on its runs lasts unless renewed (default 10 s); shorter here so
// that the sample does not wait long. Keep it above a third of 10 s: core renews at that pace.
const claimMs = 4_000;

// #region child
if (process.argv[2] === "child") {
  // The child: start the run, say which one it is once it waits, and stay up like a server.
  const journal = sqliteJournal({ path: process.argv[3]!, claimMs });
  const run = orders(journal, () => {}).run({ orderId: "o-1" });
  for await (const ev of run.streamEvents()) if (ev instanceof AskApproval) break;
  console.log(`waiting ${run.runId}`);
  globalThis.setInterval(() => {}, 60_000);
}
// #endregion child
else {
  // #region parent
  const dir = mkdtempSync(join(tmpdir(), "eventloom-crash-"));
  const path = join(dir, "runs.db");
  // (--conditions makes this repository's packages load from source; elsewhere it does nothing.)
  const child = spawn(
    process.execPath,
    [
      "--conditions=@eventloom/source",
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      "child",
      path,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  let runId = "";
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith("waiting ")) {
      runId = line.slice("waiting ".length);
      break;
    }
  }
  child.kill("SIGKILL"); // kill -9: no cleanup, no goodbye
  console.log(`child ${String(await exited)}`);

  const journal = sqliteJournal({ path, claimMs });
  const log: string[] = [];
  const workflow = orders(journal, (line) => log.push(line));
  // The dead child's claim holds until its lease runs out; then recover() takes the run.
  let [handler] = await workflow.recover();
  while (handler === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    [handler] = await workflow.recover();
  }
  console.log(`recovered ${handler.runId === runId ? "the child's run" : handler.runId}`);
  await workflow.sendEvent(runId, new Approval({ ok: true }));
  console.log(String(await handler)); // o-1: shipped
  console.log(log.join("; ")); // before the wait (approve#1): same invocation, run again
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
  // #endregion parent
}
