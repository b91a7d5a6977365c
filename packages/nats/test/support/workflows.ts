// The workflows of the tests: OrderWorkflow reserves an order, waits for a human's approval and
// ships it; FanWorkflow splits an order into parts worked on in parallel, gathers them, waits for
// an approval and ships. Each step reports its side effect (with its invocationId) to `effect`, so
// tests can count executions.
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

export class FanStart extends StartEvent.define({ orderId: z.string(), parts: z.number() }) {
  static override typeName = "FanStart";
}
export class Part extends Event.define({ orderId: z.string(), i: z.number(), parts: z.number() }) {
  static override typeName = "Part";
}
export class PartDone extends Event.define({
  orderId: z.string(),
  i: z.number(),
  parts: z.number(),
  value: z.number(),
}) {
  static override typeName = "PartDone";
}
export class PartProgress extends Event.define({ orderId: z.string(), i: z.number() }) {
  static override typeName = "PartProgress";
}
export class Gathered extends Event.define({ orderId: z.string(), sum: z.number() }) {
  static override typeName = "Gathered";
}
export class AskRelease extends InputRequiredEvent.define({
  orderId: z.string(),
  sum: z.number(),
}) {
  static override typeName = "AskRelease";
}
export class Released extends Event.define({
  orderId: z.string(),
  sum: z.number(),
  ok: z.boolean(),
}) {
  static override typeName = "Released";
}

/** The result FanWorkflow gives for an order of `parts` parts (part i is worth i * i + 1). */
export function fanResult(orderId: string, parts: number, ok = true): string {
  let sum = 0;
  for (let i = 0; i < parts; i++) sum += i * i + 1;
  return `${orderId} ${sum} ${ok ? "shipped" : "held"}`;
}

export class FanWorkflow extends Workflow {
  static override workflowName = "FanWorkflow";
  // Stream-only events listed so a worker that resumes a run can revive its journaled stream.
  static override externalEvents = [Approval, Progress, PartProgress];

  constructor(
    options: WorkflowOptions,
    readonly effect: Effect = () => {},
  ) {
    super(options);
  }

  split = step({ accepts: [FanStart], emits: [Part] }, async (ev, ctx) => {
    await this.effect("split", ctx);
    ctx.writeEventToStream(new Progress({ orderId: ev.orderId, stage: "split" }));
    for (let i = 0; i < ev.parts; i++) {
      ctx.sendEvent(new Part({ orderId: ev.orderId, i, parts: ev.parts }));
    }
  });

  work = step({ accepts: [Part], emits: [PartDone], numWorkers: 8 }, async (ev, ctx) => {
    await this.effect("work", ctx);
    ctx.writeEventToStream(new PartProgress({ orderId: ev.orderId, i: ev.i }));
    return new PartDone({ orderId: ev.orderId, i: ev.i, parts: ev.parts, value: ev.i * ev.i + 1 });
  });

  gather = step({ accepts: [PartDone], emits: [Gathered] }, async (ev, ctx) => {
    await this.effect("gather", ctx);
    const done = ctx.collectEvents(ev, PartDone, { count: ev.parts });
    if (done === null) return;
    const sum = done.reduce((a, d) => a + d.value, 0);
    return new Gathered({ orderId: ev.orderId, sum });
  });

  release = step({ accepts: [Gathered], emits: [Released] }, async (ev, ctx) => {
    await this.effect("release", ctx);
    const answer = await ctx.waitForEvent(Approval, {
      waiterEvent: new AskRelease({ orderId: ev.orderId, sum: ev.sum }),
    });
    return new Released({ orderId: ev.orderId, sum: ev.sum, ok: answer.ok });
  });

  ship = step({ accepts: [Released], emits: [StopEvent] }, async (ev, ctx) => {
    await this.effect("ship", ctx);
    ctx.writeEventToStream(new Progress({ orderId: ev.orderId, stage: "shipped" }));
    return new StopEvent({ result: `${ev.orderId} ${ev.sum} ${ev.ok ? "shipped" : "held"}` });
  });
}
