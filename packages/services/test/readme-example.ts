// The README's example, compiled and run by readme-example.test.ts.
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { ServiceManager, bridge, runNested } from "@eventloom/services";

// --- A nested workflow as an injected service ---------------------------------------------

export class Progress extends Event.define({ message: z.string() }) {}
export class Order extends StartEvent.define({ stock: z.string(), side: z.string() }) {}

export class TradeStation extends Workflow {
  trade = step({ accepts: [Order], emits: [StopEvent] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ message: `${ev.side} ${ev.stock}` }));
    return new StopEvent({ result: "Done!" });
  });
}

export class Monitor extends Workflow {
  trade = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["tradeStation"] },
    async (ev, ctx, services) => {
      const station = services["tradeStation"] as TradeStation;
      // One trace, the monitor's cancellation and deadline, the station's progress in our stream.
      const done = await runNested(
        ctx,
        station,
        { stock: String(ev["stock"]), side: "buy" },
        { forwardStream: (e) => e instanceof Progress },
      );
      return new StopEvent({ result: `station says ${String(done)}` });
    },
  );
}

export const services = new ServiceManager().default(
  "tradeStation",
  () => new TradeStation({ timeout: 10_000 }),
);

export async function nested(): Promise<{ result: unknown; progress: string[] }> {
  const monitor = services.addWorkflows(new Monitor());
  const handler = monitor.run({ stock: "NVDA" });
  const progress: string[] = [];
  for await (const ev of handler.streamEvents())
    if (ev instanceof Progress) progress.push(ev.message);
  return { result: await handler, progress };
}

// --- Two running workflows in conversation --------------------------------------------------

export class Question extends Event.define({ text: z.string() }) {}
export class Answer extends Event.define({ text: z.string() }) {}

export class Asker extends Workflow {
  ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const answer = await ctx.waitForEvent(Answer, {
      waiterEvent: new Question({ text: "buy or sell?" }), // streamed once the wait is set
    });
    return new StopEvent({ result: answer.text });
  });
}

export class Oracle extends Workflow {
  answer = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const question = await ctx.waitForEvent(Question);
    ctx.writeEventToStream(new Answer({ text: `"${question.text}": buy` }));
    return new StopEvent({ result: "answered" });
  });
}

export async function conversation(): Promise<[unknown, unknown]> {
  const asker = new Asker().run();
  const oracle = new Oracle().run();
  bridge(asker, oracle, [Question]);
  bridge(oracle, asker, [Answer]);
  return Promise.all([asker, oracle]);
}
