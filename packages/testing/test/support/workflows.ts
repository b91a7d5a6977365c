// Workflows the tests run: a fan-out/fan-in, a checkout with a method step and an unbound step.
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { z } from "zod";

export class Topic extends StartEvent.define({ topic: z.string(), sources: z.number().int() }) {}
export class Search extends Event.define({ source: z.number().int() }) {}
export class Found extends Event.define({ text: z.string() }) {}

/** Fans out to `sources` searches and fans their results back in with collectEvents. */
export class Research extends Workflow {
  plan = step({ accepts: [Topic], emits: [Search] }, async (ev, ctx) => {
    await ctx.store.set("sources", ev.sources);
    for (let i = 1; i < ev.sources; i++) ctx.sendEvent(new Search({ source: i }));
    return new Search({ source: 0 });
  });

  search = step({ accepts: [Search], emits: [Found] }, async (ev) => {
    return new Found({ text: `result ${ev.source}` });
  });

  summarize = step({ accepts: [Found], emits: [StopEvent] }, async (ev, ctx) => {
    const n = (await ctx.store.get("sources")) as number;
    const all = ctx.collectEvents(ev, Found, { count: n });
    if (all === null) return undefined;
    return new StopEvent({
      result: all
        .map((f) => f.text)
        .sort()
        .join(", "),
    });
  });
}

export class Order extends StartEvent.define({ orderId: z.string() }) {}
export class Reserved extends Event.define({ orderId: z.string() }) {}
export class Charged extends Event.define({ orderId: z.string(), cents: z.number() }) {}
export class Progress extends Event.define({ line: z.string() }) {}
export class Audit extends Event.define({ what: z.string() }) {}

export class PaymentDeclined extends Error {
  override readonly name = "PaymentDeclined";
}

/** Injected, so the tests can see that the original instance keeps its own. */
export type Gateway = (orderId: string) => Promise<number>;

/** A field step, a decorated-free method step (via step() on a field) and an unbound step. */
export class Checkout extends Workflow {
  readonly #gateway: Gateway;
  constructor(gateway: Gateway) {
    super({ timeout: 10_000 });
    this.#gateway = gateway;
  }

  reserve = step({ accepts: [Order], emits: [Reserved] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ line: `reserving ${ev.orderId}` }));
    return new Reserved({ orderId: ev.orderId });
  });

  charge = step({ accepts: [Reserved], emits: [Charged] }, async (ev) => {
    return new Charged({ orderId: ev.orderId, cents: await this.#gateway(ev.orderId) });
  });

  ship = step({ accepts: [Charged], emits: [Audit, StopEvent] }, (ev, ctx: Context) => {
    ctx.sendEvent(new Audit({ what: `shipped ${ev.orderId}` }));
    return new StopEvent({ result: `${ev.orderId} shipped for ${ev.cents}` });
  });
}

export const auditLog: string[] = [];
Checkout.addStep(
  step({ name: "audit", accepts: [Audit], emits: [] }, (ev) => {
    auditLog.push(ev.what);
  }),
);
