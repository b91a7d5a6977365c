import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

// Events are classes; zod validates their data.
class Start extends StartEvent.define({ name: z.string() }) {}
class Greeted extends Event.define({ greeting: z.string() }) {}

// A workflow is a class of steps. Each step accepts some events and emits others.
class HelloWorkflow extends Workflow {
  greet = step({ accepts: [Start], emits: [Greeted] }, (ev) => {
    return new Greeted({ greeting: `Hello, ${ev.name}!` });
  });

  shout = step({ accepts: [Greeted], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: ev.greeting.toUpperCase() });
  });
}

// run() builds the Start event from its input; awaiting the run gives the StopEvent's result.
const result = await new HelloWorkflow().run({ name: "Ada" });
console.log(result); // HELLO, ADA!
