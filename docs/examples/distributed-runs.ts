// Distributed runs on NATS JetStream: two workers share a work queue and a Postgres journal;
// one drains (as on a deploy) and the other resumes its runs from the journal.
//
//   NATS_URL=127.0.0.1:4222 DATABASE_URL=postgres://app@127.0.0.1:5432/app \
//     node --import tsx docs/examples/distributed-runs.ts
import { z } from "zod";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";
import { connectNats, natsClient, natsWorker } from "@eventloom/nats";

const natsUrl = process.env["NATS_URL"] ?? "127.0.0.1:4222";
const url = process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = process.env["EVENTLOOM_SCHEMA"] ?? "eventloom";
const prefix = process.env["EVENTLOOM_PREFIX"] ?? "eventloom";

// #region workflow
class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {}
class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {}

class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  // Approval comes from outside (a step waits for it; no step accepts it).
  static override externalEvents = [Approval];
  approve = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
    const orderId = String(ev["orderId"]);
    const answer = await ctx.waitForEvent(Approval, { waiterEvent: new AskApproval({ orderId }) });
    return new StopEvent({ result: `${orderId} ${answer.ok ? "shipped" : "cancelled"}` });
  });
}
// #endregion workflow

// #region worker
// What each worker process runs: its own connection, the shared journal (its own pool).
async function startWorker(concurrency: number) {
  const nc = await connectNats({ servers: natsUrl });
  const journal = postgresJournal({ connectionString: url }, { schema });
  const worker = await natsWorker(nc, {
    workflows: [new OrderWorkflow({ journal })],
    concurrency,
    prefix,
    ackWaitMs: 10_000, // a dead worker's runs are redelivered after 10 s without a sign of life
  });
  const stop = async () => {
    await worker.close(); // hands live runs back to the queue
    await nc.drain();
    await journal.close();
  };
  return { worker, stop };
}
// #endregion worker

// #region client
const a = await startWorker(3);
const nc = await connectNats({ servers: natsUrl });
const client = natsClient(nc, { prefix });
const runs = await Promise.all(
  ["o-1", "o-2", "o-3"].map((orderId) => client.run("OrderWorkflow", { orderId })),
);
// Wait until each run asks for its approval: all three are live on worker A.
for (const run of runs) {
  for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") break;
}
console.log(`A drives ${a.worker.active} runs`);
// #endregion client

// #region drain
// A second worker comes up; A drains (a deploy, a scale-down): its runs go back to the queue
// and B resumes them from the journal.
const b = await startWorker(10);
await a.stop();
console.log(`A drives ${a.worker.active} runs`);
for (const run of runs) await run.sendEvent({ type: "Approval", data: { ok: true } });
for (const run of runs) console.log(await run.result());
// A late consumer replays o-1's whole stream from the broker, in order.
const seqs = [];
for await (const ev of runs[0]!.streamEvents()) seqs.push(`${ev.seq} ${ev.type}`);
console.log(`${seqs[0]} … ${seqs.at(-1)}`);
await b.stop();
await nc.drain();
// #endregion drain
