import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { z } from "zod";

// Events are classes with a zod schema: constructing one validates its data.
class Question extends StartEvent.define({ topic: z.string() }) {}
class Draft extends Event.define({ text: z.string() }) {}
class Progress extends Event.define({ note: z.string() }) {}

// Steps accept some event classes and emit others; the events a step returns route the run.
class Writer extends Workflow {
  outline = step({ accepts: [Question], emits: [Draft] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ note: `outlining ${ev.topic}` }));
    return new Draft({ text: `${ev.topic}: events in, events out` });
  });
  polish = step({ accepts: [Draft], emits: [StopEvent] }, async (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ note: "polishing" }));
    return new StopEvent({ result: ev.text.toUpperCase() });
  });
}

// A run is awaitable and streamable: progress first, then the stop event.
const handler = new Writer({ timeout: 10_000 }).run({ topic: "workflows" });
for await (const ev of handler.streamEvents()) {
  if (ev instanceof Progress) console.log(ev.note); // "outlining workflows", then "polishing"
}
console.log(await handler); // "WORKFLOWS: EVENTS IN, EVENTS OUT"
