// Durable runs on PostgreSQL: two workers share one journal; only one drives a run, and when
// that one dies the other takes the run over and finishes it.
//
//   DATABASE_URL=postgres://app@127.0.0.1:5432/app node --import tsx docs/examples/postgres.ts
import { z } from "zod";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  RunOwnedError,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";

const url = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = process.env["EVENTLOOM_SCHEMA"] ?? "eventloom";

// #region workflow
class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {}
class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {}

class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  approve = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
    const orderId = String(ev["orderId"]);
    const answer = await ctx.waitForEvent(Approval, { waiterEvent: new AskApproval({ orderId }) });
    return new StopEvent({ result: `${orderId} ${answer.ok ? "shipped" : "cancelled"}` });
  });
}
// #endregion workflow

// #region workers
// Worker A and worker B would be two processes (or two machines); here they are two journals,
// each with its own pool and its own name in claims.
const journalA = postgresJournal({ connectionString: url }, { schema });
const journalB = postgresJournal({ connectionString: url }, { schema });
const workerA = new OrderWorkflow({ journal: journalA });
const workerB = new OrderWorkflow({ journal: journalB });

const run = workerA.run({ orderId: "o-1" });
for await (const ev of run.streamEvents()) if (ev instanceof AskApproval) break;
const [info] = await journalB.listRuns({ workflow: "OrderWorkflow", status: "running" });
console.log(`B sees ${info?.runId === run.runId ? "the run" : "nothing"}, ${info?.status}`);

// A drives the run, so B may not: its claim is refused.
await workerB.sendEvent(run.runId, new Approval({ ok: true })).catch((error: unknown) => {
  console.log(error instanceof RunOwnedError ? "B: owned by A" : error);
});
// #endregion workers

// #region takeover
// A dies (here: its connections go, so it can no longer renew its claim). Within one lease
// (10 s) the run is free, and B's recover() takes it over, from the journal.
await journalA.close();
let recovered = await workerB.recover();
while (recovered.length === 0) {
  await new Promise((r) => setTimeout(r, 250)); // A's lease has not run out yet
  recovered = await workerB.recover();
}
const [again] = recovered;
await workerB.sendEvent(run.runId, new Approval({ ok: true }));
console.log(await again); // o-1 shipped
console.log((await journalB.listRuns({ workflow: "OrderWorkflow" }))[0]?.status); // completed
await journalB.close();
// #endregion takeover
