import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

class Left extends Event.define({ n: z.number() }) {}
class Right extends Event.define({ n: z.number() }) {}
class Sum extends Event.define({ n: z.number() }) {}

class SplitWorkflow extends Workflow {
  split = step({ accepts: [StartEvent], emits: [Left, Right] }, (ev, ctx) => {
    ctx.sendEvent(new Left({ n: Number(ev["n"]) }));
    ctx.sendEvent(new Right({ n: Number(ev["n"]) * 10 }));
  });
  left = step({ accepts: [Left], emits: [Sum] }, (ev) => new Sum({ n: ev.n }));
  right = step({ accepts: [Right], emits: [Sum] }, (ev) => new Sum({ n: ev.n }));
  total = step({ accepts: [Sum], emits: [StopEvent] }, (ev, ctx) => {
    const both = ctx.collectEvents(ev, Sum, { count: 2 });
    return both && new StopEvent({ result: both.reduce((a, e) => a + e.n, 0) });
  });
}

// #region stepwise
const handler = new SplitWorkflow().run({ n: 4 }, { stepwise: true });
let round = 0;
while (!handler.isDone()) {
  const produced = await handler.runStep(); // runs every step invocation that is ready now
  if (produced === null) break;
  round++;
  console.log(
    `round ${round}:`,
    produced.map((ev) => ev.constructor.name).join(", ") || "(nothing)",
  );
}
console.log(await handler); // 44
// #endregion stepwise
