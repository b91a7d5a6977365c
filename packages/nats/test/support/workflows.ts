// The workflow of the tests: reserve an order, wait for a human's approval, ship it. Each step
// reports its side effect (with its invocationId) to `effect`, so tests can count executions.
import { z } from "zod";
import {
  type Context,
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowOptions,
  step,
} from "@eventloom/core";

export class OrderStart extends StartEvent.define({ orderId: z.string() }) {
  static override typeName = "OrderStart";
}
export class Reserved extends Event.define({ orderId: z.string() }) {
  static override typeName = "Reserved";
}
export class Approved extends Event.define({ orderId: z.string(), ok: z.boolean() }) {
  static override typeName = "Approved";
}
export class Progress extends Event.define({ orderId: z.string(), stage: z.string() }) {
  static override typeName = "Progress";
}
export class AskApproval extends InputRequiredEvent.define({ orderId: z.string() }) {
  static override typeName = "AskApproval";
}
export class Approval extends HumanResponseEvent.define({ ok: z.boolean() }) {
  static override typeName = "Approval";
}

export type Effect = (step: string, ctx: Context) => Promise<void> | void;

export class OrderWorkflow extends Workflow {
  static override workflowName = "OrderWorkflow";
  // Progress only goes to the stream: listed here so a worker that resumes the run can read the
  // journaled stream back (core revives stream events by the classes it knows).
  static override externalEvents = [Approval, Progress];

  constructor(
    options: WorkflowOptions,
    readonly effect: Effect = () => {},
  ) {
    super(options);
  }

  reserve = step({ accepts: [OrderStart], emits: [Reserved] }, async (ev, ctx) => {
    await this.effect("reserve", ctx);
    ctx.writeEventToStream(new Progress({ orderId: ev.orderId, stage: "reserved" }));
    return new Reserved({ orderId: ev.orderId });
  });

  approve = step({ accepts: [Reserved], emits: [Approved] }, async (ev, ctx) => {
    await this.effect("approve", ctx);
    const answer = await ctx.waitForEvent(Approval, {
      waiterEvent: new AskApproval({ orderId: ev.orderId }),
    });
    return new Approved({ orderId: ev.orderId, ok: answer.ok });
  });

  ship = step({ accepts: [Approved], emits: [StopEvent] }, async (ev, ctx) => {
    await this.effect("ship", ctx);
    ctx.writeEventToStream(new Progress({ orderId: ev.orderId, stage: "shipped" }));
    return new StopEvent({ result: `${ev.orderId} ${ev.ok ? "shipped" : "cancelled"}` });
  });
}
