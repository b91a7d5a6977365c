import { z } from "zod";
import { filter, map, toArray } from "rxjs";
import {
  Event,
  type EventClass,
  StartEvent,
  StopEvent,
  Workflow,
  eventTypeName,
  step,
} from "@eventloom/core";

// #region workflow
class Progress extends Event.define({ percent: z.number() }) {}
class Token extends Event.define({ text: z.string() }) {}

class WriterWorkflow extends Workflow {
  write = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
    const words = ["event", "driven", "workflows"];
    words.forEach((text, i) => {
      ctx.writeEventToStream(new Token({ text }));
      ctx.writeEventToStream(new Progress({ percent: Math.round(((i + 1) / words.length) * 100) }));
    });
    return new StopEvent({ result: words.join(" ") });
  });
}
// #endregion workflow

// #region for-await
const handler = new WriterWorkflow().run();
for await (const ev of handler.streamEvents()) {
  if (ev instanceof Progress) console.log(`${ev.percent}%`);
  else if (ev instanceof StopEvent) console.log("stop:", ev.result);
}
console.log(await handler); // event driven workflows
// #endregion for-await

// #region rxjs
const run = new WriterWorkflow().run();
const text = await new Promise<string>((resolve, reject) => {
  run.events$
    .pipe(
      filter((ev): ev is Token => ev instanceof Token),
      map((ev) => ev.text.toUpperCase()),
      toArray(),
    )
    .subscribe({ next: (words) => resolve(words.join("-")), error: reject });
});
console.log(text); // EVENT-DRIVEN-WORKFLOWS
// #endregion rxjs

// #region stream-limit
class Chatty extends Workflow {
  talk = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
    for (let i = 1; i <= 5; i++) ctx.writeEventToStream(new Token({ text: `t${i}` }));
    return new StopEvent({ result: "said 5 things" });
  });
}

const unread = new Chatty({ streamLimit: 2 }).run();
await unread; // nobody consumed the stream while the run went on
const kept: string[] = [];
for await (const ev of unread.streamEvents()) {
  kept.push(ev instanceof Token ? ev.text : eventTypeName(ev.constructor as EventClass));
}
console.log(kept.join(" "), "| dropped:", unread.streamDropped); // t4 t5 StopEvent | dropped: 3
// #endregion stream-limit
