import { Event, InputRequiredEvent, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer } from "@eventloom/server";
import { WorkflowClient } from "@eventloom/client";
import { z } from "zod";

class Refund extends StartEvent.define({ orderId: z.string(), amount: z.number() }) {}
class Question extends InputRequiredEvent.define({ text: z.string() }) {
  static override typeName = "Question";
}
class Approval extends Event.define({ ok: z.boolean() }) {
  static override typeName = "Approval";
}

class RefundWorkflow extends Workflow {
  static override externalEvents = [Approval];
  decide = step({ accepts: [Refund], emits: [Question, StopEvent] }, async (ev, ctx) => {
    const answer = await ctx.waitForEvent(Approval, {
      waiterEvent: new Question({ text: `refund ${ev.amount} on ${ev.orderId}?` }),
    });
    return new StopEvent({ result: answer.ok ? "refunded" : "declined" });
  });
}

// The server side (usually another process).
const server = createServer({ workflows: { refund: new RefundWorkflow() }, token: "s3cret" });
const { url, close } = await server.listen({ port: 0 });

// The client side: typed from the workflow class.
const client = new WorkflowClient({ baseUrl: url, token: "s3cret" });
const run = await client.workflow<RefundWorkflow>("refund").run({ orderId: "o-7", amount: 25 });
for await (const ev of run.streamEvents()) {
  console.log(ev.seq, ev.type, ev.data);
  if (ev.type === "Question") await run.sendEvent({ type: "Approval", data: { ok: true } });
}
console.log(await run.result()); // "refunded"

await close();
