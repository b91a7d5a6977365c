import { z } from "zod";
import {
  type Context,
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";

// #region events
class AskApproval extends InputRequiredEvent.define({ question: z.string() }) {}
class Approval extends HumanResponseEvent.define({ approved: z.boolean() }) {}
// #endregion events

// #region steps
class TransferWorkflow extends Workflow {
  // Ask: the InputRequiredEvent goes to the stream, for the caller to show.
  ask = step({ accepts: [StartEvent], emits: [AskApproval] }, (ev) => {
    return new AskApproval({ question: `Transfer ${String(ev["amount"])} EUR?` });
  });

  // The human's answer arrives as an event, like any other.
  decide = step({ accepts: [Approval], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: ev.approved ? "transferred" : "cancelled" });
  });
}

const handler = new TransferWorkflow().run({ amount: 250 });
for await (const ev of handler.streamEvents()) {
  if (ev instanceof AskApproval) {
    console.log(ev.question); // Transfer 250 EUR?
    handler.sendEvent(new Approval({ approved: true })); // e.g. after a prompt
  }
}
console.log(await handler); // transferred
// #endregion steps

// #region wait
class Draft extends Event.define({ text: z.string() }) {}

class EditorWorkflow extends Workflow {
  write = step({ accepts: [StartEvent], emits: [Draft] }, () => new Draft({ text: "v1" }));

  // waitForEvent suspends this step until the answer comes, then carries on where it was.
  review = step({ accepts: [Draft], emits: [StopEvent] }, async (ev, ctx: Context) => {
    const answer = await ctx.waitForEvent(Approval, {
      waiterEvent: new AskApproval({ question: `Publish ${ev.text}?` }),
      timeout: 60_000,
    });
    return new StopEvent({ result: answer.approved ? `published ${ev.text}` : "kept as draft" });
  });
}

const editor = new EditorWorkflow().run();
for await (const ev of editor.streamEvents()) {
  if (ev instanceof AskApproval) editor.sendEvent(new Approval({ approved: false }));
}
console.log(await editor); // kept as draft
// #endregion wait
