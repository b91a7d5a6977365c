// A workflow that waits for a human: the durable run the crash test kills and recovers.
import {
  HumanResponseEvent,
  InputRequiredEvent,
  type Journal,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { z } from "zod";

export class Ask extends InputRequiredEvent.define({ q: z.string() }) {}
export class Answer extends HumanResponseEvent.define({ ok: z.boolean() }) {}

/** An Approval workflow on `journal`; `log` records each pass around the wait. */
export function approval(journal: Journal, log: (line: string) => void): Workflow {
  class Approval extends Workflow {
    static override workflowName = "Approval";
    ask = step({ accepts: [StartEvent], emits: [Ask, StopEvent] }, async (_ev, ctx) => {
      log(`before wait ${ctx.invocationId}`);
      const answer = await ctx.waitForEvent(Answer, { waiterEvent: new Ask({ q: "ship it?" }) });
      log(`after wait ${ctx.invocationId}`);
      return new StopEvent({ result: answer.ok ? "approved" : "rejected" });
    });
  }
  return new Approval({ journal });
}
