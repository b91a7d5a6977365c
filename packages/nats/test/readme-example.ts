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

class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {}
class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {}

class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  static override externalEvents = [Approval]; // sent from outside: waited for, not a step's input
  approve = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
    const orderId = String(ev["orderId"]);
    const answer = await ctx.waitForEvent(Approval, { waiterEvent: new AskApproval({ orderId }) });
    return new StopEvent({ result: `${orderId} ${answer.ok ? "shipped" : "cancelled"}` });
  });
}

const env = process.env;
const prefix = env["EVENTLOOM_PREFIX"] ?? "eventloom";
const url = env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";
const journal = postgresJournal(
  { connectionString: url },
  { schema: env["EVENTLOOM_SCHEMA"] ?? "eventloom" },
);
const nc = await connectNats({ servers: env["NATS_URL"] ?? "127.0.0.1:4222" });

// A worker: in production one per process, on as many machines as you like, one journal.
const worker = await natsWorker(nc, {
  workflows: [new OrderWorkflow({ journal })],
  concurrency: 200,
  prefix,
});

// A client, anywhere that reaches the broker: the same RemoteHandler as the HTTP client's.
const client = natsClient(nc, { prefix });
const run = await client.run("OrderWorkflow", { orderId: "o-1" });
for await (const ev of run.streamEvents()) {
  console.log(ev.seq, ev.type);
  if (ev.type === "AskApproval") await run.sendEvent({ type: "Approval", data: { ok: true } });
}
console.log(await run.result()); // o-1 shipped

await worker.close();
await nc.drain();
await journal.close();
