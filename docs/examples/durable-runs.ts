// Durable runs on SQLite: a run that waits for a human outlives the process that started it.
// Process A starts it and dies; process B recovers it from the journal and finishes it. Here
// A and B are two journals on one file in one process (durable-runs-crash.ts does it with two
// real processes and kill -9).
//
//   node --import tsx docs/examples/durable-runs.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  eventTypeName,
  type EventClass,
  step,
} from "@eventloom/core";
import { sqliteJournal } from "@eventloom/sqlite";

const dir = mkdtempSync(join(tmpdir(), "eventloom-durable-"));
const path = join(dir, "runs.db");

// #region workflow
class OrderStart extends StartEvent.define({ orderId: z.string(), amount: z.number() }) {}
class Charged extends Event.define({ orderId: z.string() }, { name: "Charged" }) {}
class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {}
class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {}

/** A payment API that takes an idempotency key, as real ones do (Stripe, Adyen, ...). */
const payments = new Map<string, number>();
function charge(idempotencyKey: string, amount: number): void {
  if (!payments.has(idempotencyKey)) payments.set(idempotencyKey, amount);
}

class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  static override externalEvents = [Approval]; // it comes from outside, maybe days later

  charge = step({ accepts: [OrderStart], emits: [Charged] }, async (ev, ctx) => {
    // Run again after a crash, this invocation has the same invocationId: charged once.
    charge(`${ctx.runId}/${ctx.invocationId}`, ev.amount);
    await ctx.store.set("amount", ev.amount);
    return new Charged({ orderId: ev.orderId });
  });

  approve = step({ accepts: [Charged], emits: [AskApproval, StopEvent] }, async (ev, ctx) => {
    const answer = await ctx.waitForEvent(Approval, {
      waiterEvent: new AskApproval({ orderId: ev.orderId }),
    });
    const amount = await ctx.store.get("amount");
    return new StopEvent({
      result: `${ev.orderId}: ${answer.ok ? "shipped" : "refunded"} ${amount}`,
    });
  });
}
// #endregion workflow

// #region start
// Process A: every run of a workflow with a journal is journaled.
const journalA = sqliteJournal({ path, claimMs: 4_000 });
const run = new OrderWorkflow({ journal: journalA, timeout: null }).run({
  orderId: "o-1",
  amount: 42,
});
for await (const ev of run.streamEvents()) if (ev instanceof AskApproval) break;
console.log(
  `A: ${run.runId === (await journalA.listRuns())[0]?.runId ? "journaled" : "?"}, waiting`,
);
// A dies here (its journal closes; a killed process simply stops renewing its claim).
await journalA.close();
// #endregion start

// #region recover
// Process B, later: recover() claims and resumes every unfinished run nobody holds. A's claim
// lasts claimMs (here 4 s, default 10 s) after A stopped renewing it.
const journalB = sqliteJournal({ path, claimMs: 4_000 });
const workflow = new OrderWorkflow({ journal: journalB, timeout: null });
let recovered = await workflow.recover();
while (recovered.length === 0) {
  await new Promise((resolve) => setTimeout(resolve, 250)); // A's lease has not run out yet
  recovered = await workflow.recover();
}
const [handler] = recovered;
// The answer: journaled, then delivered (resolves once it is durable).
await workflow.sendEvent(run.runId, new Approval({ ok: true }));
console.log(`B: ${String(await handler)}`); // o-1: shipped 42
// #endregion recover

// #region replay
// The whole stream, from the journal, even across the restart.
const types: string[] = [];
for await (const ev of handler!.streamEvents({ from: 0 })) {
  types.push(eventTypeName(ev.constructor as EventClass));
}
console.log(types.join(" "));
console.log(`charged ${payments.size} time(s)`); // charge ran once: its outcome was journaled
// #endregion replay

await journalB.close();
rmSync(dir, { recursive: true, force: true });
