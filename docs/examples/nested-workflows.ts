import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

// #region child
class Progress extends Event.define({ line: z.string() }) {}

/** A reusable workflow: decides to buy or sell a stock. */
class TradeDecision extends Workflow {
  decide = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ line: `deciding on ${String(ev["stock"])}` }));
    return new StopEvent({ result: Number(ev["sentiment"]) > 0 ? "buy" : "sell" });
  });
}
// #endregion child

// #region parent
class TradeStation extends Workflow {
  // The step asks for the service by name; it arrives as the handler's third argument.
  trade = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["decision"] },
    async (ev, ctx, { decision }) => {
      // `parent: ctx`: the child run nests under this step's span, and inherits its
      // cancellation and deadline.
      const child = (decision as TradeDecision).run(
        { stock: ev["stock"], sentiment: ev["sentiment"] },
        { parent: ctx },
      );
      // Forward the child's progress into this run's stream.
      for await (const childEvent of child.streamEvents()) {
        if (childEvent instanceof Progress) ctx.writeEventToStream(childEvent);
      }
      return new StopEvent({ result: `${String(ev["stock"])}: ${String(await child)}` });
    },
  );
}

const station = new TradeStation();
station.services.set("decision", new TradeDecision());
// #endregion parent

const handler = station.run({ stock: "NVDA", sentiment: 1 });
for await (const ev of handler.streamEvents()) {
  if (ev instanceof Progress) console.log(ev.line); // deciding on NVDA
}
console.log(await handler); // NVDA: buy

// #region missing
// Validation at run() names a missing service.
try {
  new TradeStation().run({ stock: "NVDA", sentiment: 1 });
} catch (error) {
  console.log((error as Error).name); // WorkflowValidationError
}
// #endregion missing
