// The trade monitor's last stretch, with a human in it: a proposed trade waits for a person's
// approval (answered over HTTP) before it is placed.
import { Event, InputRequiredEvent, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { z } from "zod";

/** Start: the trade to propose. */
export class TradeRequest extends StartEvent.define({
  stock: z.string().min(1),
  quantity: z.number().int().positive(),
  side: z.enum(["buy", "sell"]).default("buy"),
}) {
  static override typeName = "TradeRequest";
}

/** Written to the stream when the run waits: what the approver is asked. */
export class ApprovalRequested extends InputRequiredEvent.define({
  question: z.string(),
  stock: z.string(),
  quantity: z.number(),
}) {
  static override typeName = "ApprovalRequested";
}

/** The approver's answer, sent with `POST /runs/:id/events`. */
export class Approval extends Event.define({ approved: z.boolean(), by: z.string() }) {
  static override typeName = "Approval";
}

/** A note for the audit trail, accepted at any time while the run goes on. */
export class Comment extends Event.define({ text: z.string().min(1) }) {
  static override typeName = "Comment";
}

export class AuditNote extends Event.define({ text: z.string() }) {
  static override typeName = "AuditNote";
}

export class TradeApprovalWorkflow extends Workflow {
  static override workflowName = "TradeApproval";
  // Declared so the server (and a fresh process resuming a run) knows them before any wait.
  static override externalEvents = [Approval, Comment];

  propose = step(
    { accepts: [TradeRequest], emits: [ApprovalRequested, StopEvent] },
    async (ev, ctx) => {
      const approval = await ctx.waitForEvent(Approval, {
        waiterEvent: new ApprovalRequested({
          question: `${ev.side} ${ev.quantity} ${ev.stock}?`,
          stock: ev.stock,
          quantity: ev.quantity,
        }),
      });
      if (!approval.approved) return new StopEvent({ result: { placed: false, by: approval.by } });
      return new StopEvent({
        result: { placed: true, by: approval.by, order: `${ev.side} ${ev.quantity} ${ev.stock}` },
      });
    },
  );

  comment = step({ accepts: [Comment], emits: [] }, (ev, ctx) => {
    ctx.writeEventToStream(new AuditNote({ text: ev.text }));
  });
}
