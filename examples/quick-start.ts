import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

class Start extends StartEvent.define({ name: z.string() }) {}
class Greeted extends Event.define({ greeting: z.string() }) {}
class Progress extends Event.define({ message: z.string() }) {}

class HelloWorkflow extends Workflow {
  greet = step({ accepts: [Start], emits: [Greeted] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ message: `greeting ${ev.name}` }));
    return new Greeted({ greeting: `Hello, ${ev.name}!` });
  });

  shout = step({ accepts: [Greeted], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: ev.greeting.toUpperCase() });
  });
}

const handler = new HelloWorkflow().run({ name: "Ada" }); // input typed from Start
for await (const ev of handler.streamEvents()) console.log(ev.toJSON());
console.log(await handler); // "HELLO, ADA!"
