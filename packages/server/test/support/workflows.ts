// Workflows the server tests serve.
import {
  Event,
  type EventClass,
  InputRequiredEvent,
  type Journal,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { z } from "zod";

export class OrderStart extends StartEvent.define({
  orderId: z.string(),
  quantity: z.number().int().positive().default(1),
}) {
  static override typeName = "OrderStart";
}
export class Priced extends Event.define({ orderId: z.string(), total: z.number() }) {
  static override typeName = "Priced";
}
export class Progress extends Event.define({ pct: z.number() }) {
  static override typeName = "Progress";
}

/** Three steps: start -> price -> ship; writes progress to the stream. */
export class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  start = step({ accepts: [OrderStart], emits: [Priced] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ pct: 50 }));
    return new Priced({ orderId: ev.orderId, total: ev.quantity * 10 });
  });
  ship = step({ accepts: [Priced], emits: [StopEvent] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ pct: 100 }));
    return new StopEvent({ result: `${ev.orderId} shipped for ${ev.total}` });
  });
}

export class Ask extends InputRequiredEvent.define({ question: z.string() }) {
  static override typeName = "Ask";
}
export class Answer extends Event.define({ ok: z.boolean(), by: z.string().optional() }) {
  static override typeName = "Answer";
}
export class Note extends Event.define({ text: z.string() }) {
  static override typeName = "Note";
}

/** Asks on the stream, waits for an Answer (never accepted by a step), stops with it. */
export class ApprovalWorkflow extends Workflow {
  static override workflowName = "ApprovalWorkflow";
  static override externalEvents: readonly EventClass[] = [Note];
  ask = step({ accepts: [StartEvent], emits: [Ask, StopEvent] }, async (ev, ctx) => {
    // The question goes to the stream as the wait begins (a durable run shows it then too).
    const answer = await ctx.waitForEvent(Answer, {
      waiterEvent: new Ask({ question: `approve ${String(ev["item"] ?? "it")}?` }),
    });
    return new StopEvent({
      result: answer.ok ? `approved by ${answer.by ?? "someone"}` : "rejected",
    });
  });
  note = step({ accepts: [Note], emits: [] }, async (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ pct: ev.text.length }));
  });
}

export class Boom extends Error {
  override readonly name = "Boom";
}

/** Fails at once. */
export class FailingWorkflow extends Workflow {
  start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
    throw new Boom("the warehouse is on fire");
  });
}

/** Writes `count` progress events, then stops. */
export class ChattyWorkflow extends Workflow {
  start = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev, ctx) => {
    const count = Number(ev["count"] ?? 10);
    for (let i = 0; i < count; i++) ctx.writeEventToStream(new Progress({ pct: i }));
    return new StopEvent({ result: count });
  });
}

export function approval(journal?: Journal): ApprovalWorkflow {
  return new ApprovalWorkflow({ timeout: null, ...(journal ? { journal } : {}) });
}
