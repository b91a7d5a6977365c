import { z } from "zod";
import {
  Event,
  EventValidationError,
  StartEvent,
  StopEvent,
  Workflow,
  eventTypeName,
  step,
} from "@eventloom/core";

// #region define
class OrderPlaced extends Event.define({
  orderId: z.string(),
  quantity: z.number().int().positive(),
  note: z.string().optional(),
}) {}

const placed = new OrderPlaced({ orderId: "A-1", quantity: 3 });
console.log(placed.orderId, placed.quantity); // A-1 3 (typed: string, number)
// #endregion define

// #region validation
try {
  new OrderPlaced({ orderId: "A-2", quantity: -1 });
} catch (error) {
  if (error instanceof EventValidationError) console.log(error.name, "for", error.message);
}
// #endregion validation

// #region type-names
// A shared base class: subclasses are named after themselves.
const Quote = Event.define({ symbol: z.string(), price: z.number() });
class BidQuote extends Quote {}
class AskQuote extends Quote {
  static override typeName = "Ask"; // survives minification
}
console.log(eventTypeName(BidQuote), eventTypeName(AskQuote)); // BidQuote Ask
// #endregion type-names

// #region start-stop
// A typed start event: run()'s input is typed from it.
class OrderStart extends StartEvent.define({ orderId: z.string(), quantity: z.number() }) {}
// A custom stop event: the run resolves to the event itself.
class OrderDone extends StopEvent.define({ orderId: z.string(), total: z.number() }) {}

class OrderWorkflow extends Workflow {
  price = step({ accepts: [OrderStart], emits: [OrderDone] }, (ev) => {
    return new OrderDone({ orderId: ev.orderId, total: ev.quantity * 2.5 });
  });
}

const done = await new OrderWorkflow().run({ orderId: "A-3", quantity: 4 });
console.log(done instanceof OrderDone, done.total); // true 10
// #endregion start-stop

// #region json
const json = placed.toJSON();
console.log(JSON.stringify(json)); // {"type":"OrderPlaced","data":{"orderId":"A-1","quantity":3}}
const revived = new OrderWorkflow().reviveEvent({
  type: "OrderDone",
  data: { orderId: "A-4", total: 1 },
});
console.log(revived instanceof OrderDone); // true
// #endregion json
