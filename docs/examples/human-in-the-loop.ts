import { z } from "zod";
import {
  type Context,
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  type RunSnapshot,
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
  // The answer comes from outside and no step accepts it (review waits for it): declare it.
  static override externalEvents = [Approval];

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

// #region snapshot
const waiting = new EditorWorkflow().run();
for await (const ev of waiting.streamEvents()) {
  if (ev instanceof AskApproval) break; // asked: the run now waits for its answer
}
// The whole run as JSON: store it anywhere, and let the process go.
const saved = JSON.stringify(await waiting.snapshot());
await waiting.cancel();

// Later, maybe in another process: the waiting step runs again from its start, so it asks again.
const resumed = new EditorWorkflow().resume(JSON.parse(saved) as RunSnapshot);
for await (const ev of resumed.streamEvents()) {
  if (ev instanceof AskApproval) {
    console.log(`asked again: ${ev.question}`); // asked again: Publish v1?
    resumed.sendEvent(new Approval({ approved: true }));
  }
}
console.log(await resumed); // published v1
// #endregion snapshot

// #region context
class ChatWorkflow extends Workflow {
  static override state = z.object({ turns: z.array(z.string()).default([]) });

  reply = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    async (ev, ctx: Context<{ turns: string[] }>) => {
      const turns = [...(await ctx.store.get("turns")), String(ev["message"])];
      await ctx.store.set("turns", turns);
      return new StopEvent({ result: turns.join(" / ") });
    },
  );
}

const chat = new ChatWorkflow();
const hello = chat.run({ message: "hello" });
await hello;
// The next run carries on from the settled run's store, as run(ctx=...) in Python.
console.log(await chat.run({ message: "and again" }, { context: hello.ctx })); // hello / and again
// #endregion context
