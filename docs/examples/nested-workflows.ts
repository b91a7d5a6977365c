import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { addWorkflows, runNested } from "@eventloom/services";

// #region child
class Progress extends Event.define({ line: z.string() }) {}
class DecisionStart extends StartEvent.define({ stock: z.string(), sentiment: z.number() }) {}

/** A reusable workflow: decides to buy or sell a stock. */
class TradeDecision extends Workflow {
  decide = step({ accepts: [DecisionStart], emits: [StopEvent] }, (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ line: `deciding on ${ev.stock}` }));
    return new StopEvent({ result: ev.sentiment > 0 ? "buy" : "sell" });
  });
}
// #endregion child

// #region parent
class TradeStation extends Workflow {
  // The step asks for a service by name; it arrives in the handler's third argument.
  trade = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["decision"] },
    async (ev, ctx, { decision }) => {
      // A nested run: one trace, the parent's cancellation and deadline, and (here) its
      // progress events forwarded into the parent's stream.
      const order = await runNested(
        ctx,
        decision as TradeDecision,
        { stock: String(ev["stock"]), sentiment: Number(ev["sentiment"]) },
        { forwardStream: true },
      );
      return new StopEvent({ result: `${String(ev["stock"])}: ${String(order)}` });
    },
  );
}

const station = addWorkflows(new TradeStation(), { decision: new TradeDecision() });
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
