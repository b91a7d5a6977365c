import { z } from "zod";
import {
  type Context,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { ProgressEvent } from "./events.js";
import { reportProgress } from "./progress.js";

/** Starts an approval: the order the robot proposes. */
export class ProposalEvent extends StartEvent.define({
  stock: z.string().min(1),
  action: z.enum(["buy", "sell", "hold"]),
  reason: z.string(),
}) {
  static override typeName = "ProposalEvent";
}

/** Written to the stream while the run waits: the question for the trader. */
export class ApprovalRequestEvent extends InputRequiredEvent.define({
  stock: z.string(),
  action: z.string(),
}) {
  static override typeName = "ApprovalRequestEvent";
}

/** The trader's answer, sent from outside (maybe days later, from another process). */
export class TraderDecisionEvent extends HumanResponseEvent.define({ approved: z.boolean() }) {
  static override typeName = "TraderDecisionEvent";
}

/** What an {@link OrderApproval} run resolves to. */
export interface ApprovalResult {
  readonly stock: string;
  readonly action: "buy" | "sell" | "hold";
  readonly approved: boolean;
}

/**
 * A human in the loop that survives restarts: `propose` asks the trader to approve the order and
 * waits (`waitForEvent`, no timeout) for a {@link TraderDecisionEvent}. On a journaled workflow
 * the process may exit while it waits; a later process answers it with
 * `workflow.sendEvent(runId, ...)` or resumes it with `workflow.resume(runId)`. After a restart
 * the step runs again from its start (the code before the wait runs again, and asks again).
 */
export class OrderApproval extends Workflow {
  static override workflowName = "OrderApproval";
  // The answer comes from outside; progress events are only written to the stream.
  static override externalEvents = [TraderDecisionEvent, ProgressEvent];

  propose = step(
    { accepts: [ProposalEvent], emits: [ApprovalRequestEvent, StopEvent] },
    async (ev, ctx: Context) => {
      reportProgress(ctx, "propose", `proposes to ${ev.action} ${ev.stock}: ${ev.reason}`);
      const answer = await ctx.waitForEvent(TraderDecisionEvent, {
        waiterEvent: new ApprovalRequestEvent({ stock: ev.stock, action: ev.action }),
      });
      reportProgress(ctx, "propose", `the trader ${answer.approved ? "approved" : "rejected"} it`);
      const result: ApprovalResult = {
        stock: ev.stock,
        action: ev.action,
        approved: answer.approved,
      };
      return new StopEvent({ result });
    },
  );
}
