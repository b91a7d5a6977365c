// Workflows the client tests run on a real server.
import { Event, InputRequiredEvent, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { z } from "zod";

export class OrderStart extends StartEvent.define({
  orderId: z.string(),
  quantity: z.number().int().default(1),
}) {
  static override typeName = "OrderStart";
}
export class Progress extends Event.define({ pct: z.number() }) {
  static override typeName = "Progress";
}

export class OrderWorkflow extends Workflow {
  start = step({ accepts: [OrderStart], emits: [StopEvent] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ pct: 50 }));
    if (ev.orderId === "fail") throw new Error("no stock for fail");
    return new StopEvent({ result: { orderId: ev.orderId, total: ev.quantity * 10 } });
  });
}

export class Ask extends InputRequiredEvent.define({ question: z.string() }) {
  static override typeName = "Ask";
}
export class Answer extends Event.define({ ok: z.boolean() }) {
  static override typeName = "Answer";
}
export class Note extends Event.define({ text: z.string() }) {
  static override typeName = "Note";
}

/** Waits for an Answer; each Note on the way is echoed to the stream as Progress. */
export class ApprovalWorkflow extends Workflow {
  static override externalEvents = [Note];
  ask = step({ accepts: [StartEvent], emits: [Ask, StopEvent] }, async (_ev, ctx) => {
    const answer = await ctx.waitForEvent(Answer, { waiterEvent: new Ask({ question: "ok?" }) });
    return new StopEvent({ result: answer.ok ? "approved" : "rejected" });
  });
  note = step({ accepts: [Note], emits: [] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ pct: ev.text.length }));
  });
}
