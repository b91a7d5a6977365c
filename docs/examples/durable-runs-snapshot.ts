// Snapshots: a run's whole state as plain JSON, taken between step boundaries, and resumed
// later (in this process or another) with workflow.resume(snapshot).
//
//   node --import tsx docs/examples/durable-runs-snapshot.ts
import { z } from "zod";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  type RunSnapshot,
  StartEvent,
  StopEvent,
  Workflow,
  memoryJournal,
  step,
} from "@eventloom/core";

class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {}
class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {}

class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  static override externalEvents = [Approval];
  approve = step({ accepts: [StartEvent], emits: [AskApproval, StopEvent] }, async (ev, ctx) => {
    const orderId = String(ev["orderId"]);
    const answer = await ctx.waitForEvent(Approval, { waiterEvent: new AskApproval({ orderId }) });
    return new StopEvent({ result: `${orderId}: ${answer.ok ? "shipped" : "cancelled"}` });
  });
}

// #region snapshot
const h = new OrderWorkflow({ timeout: null }).run({ orderId: "o-2" });
for await (const ev of h.streamEvents()) if (ev instanceof AskApproval) break;
const text = JSON.stringify(await h.snapshot()); // store it anywhere: a file, a database row
await h.cancel(); // the process may now go; the run lives on in `text`

const snapshot = JSON.parse(text) as RunSnapshot;
const again = new OrderWorkflow({ timeout: null }).resume(snapshot); // same runId
again.sendEvent(new Approval({ ok: true })); // for the wait, which runs again from its start
console.log(String(await again), again.runId === h.runId); // o-2: shipped true
// #endregion snapshot

// #region not-journaled
// On a workflow with a journal, resume(snapshot) still runs in memory: nothing is journaled
// (use recover() / resume(runId) for journaled runs).
const journal = memoryJournal();
const journaled = new OrderWorkflow({ journal, timeout: null }).resume(snapshot);
journaled.sendEvent(new Approval({ ok: false }));
console.log(String(await journaled), (await journal.listRuns()).length); // o-2: cancelled 0
// #endregion not-journaled
