import { expect, it } from "vitest";
import { z } from "zod";
import { Event, HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent, Workflow, step } from "../src/index.js";

class Ask extends InputRequiredEvent.define({ q: z.string() }) {}
class Ans extends HumanResponseEvent.define({ x: z.number() }) {}
class Mid extends Event.define({ n: z.number() }, { name: "Mid" }) {}
const make = () => {
  class W extends Workflow {
    static override workflowName = "W";
    static override externalEvents = [Ans];
    a = step({ accepts: [StartEvent], emits: [Mid] }, () => new Mid({ n: 1 }));
    b = step({ accepts: [Mid], emits: [StopEvent, Ask] }, async (ev, ctx) => {
      const a = await ctx.waitForEvent(Ans, { waiterEvent: new Ask({ q: "?" }) });
      return new StopEvent({ result: ev.n + a.x });
    });
  }
  return new W();
};
it("stepwise resume with a waiting invocation", async () => {
  const h = make().run({}, { stepwise: true });
  await h.runStep();
  await h.runStep();
  const snap = JSON.parse(JSON.stringify(await h.snapshot()));
  console.log(JSON.stringify(snap));
  await h.cancel();
  const h2 = make().resume(snap);
  const seen: string[] = [];
  h2.events$.subscribe((e) => seen.push(e.constructor.name));
  h2.sendEvent(new Ans({ x: 5 }));
  let r; let n = 0;
  while ((r = await h2.runStep()) !== null && n++ < 5) console.log(r.map((e) => e.constructor.name), h2.isDone());
  console.log(seen);
  expect(await h2).toBe(6);
});
