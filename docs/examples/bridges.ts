import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { bridge } from "@eventloom/services";

// #region workflows
class TradeOrder extends Event.define({ stock: z.string(), side: z.enum(["buy", "sell"]) }) {}
class TradeDone extends Event.define({ confirmation: z.string() }) {}

/** Decides, sends an order, and waits for the station's confirmation. */
class Monitor extends Workflow {
  // Confirmations come only from another run (through a bridge).
  static override externalEvents = [TradeDone];

  decide = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
    const done = await ctx.waitForEvent(TradeDone, {
      // Streamed once the wait is in place, so the answer cannot arrive before it.
      waiterEvent: new TradeOrder({ stock: String(ev["stock"]), side: "buy" }),
      timeout: 5_000,
    });
    return new StopEvent({ result: done.confirmation });
  });
}

/** A station that runs on its own: it waits for an order, trades, and confirms. */
class Station extends Workflow {
  // Orders come only from another run (through a bridge).
  static override externalEvents = [TradeOrder];

  serve = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const order = await ctx.waitForEvent(TradeOrder, { timeout: 5_000 });
    ctx.writeEventToStream(new TradeDone({ confirmation: `${order.side} ${order.stock}: filled` }));
    return new StopEvent({ result: "1 order served" });
  });
}
// #endregion workflows

// #region bridge
const monitor = new Monitor().run({ stock: "NVDA" });
const station = new Station().run();
bridge(monitor, station, [TradeOrder]); // orders go to the station
bridge(station, monitor, [TradeDone]); // confirmations come back
console.log(await Promise.all([monitor, station])); // [ 'buy NVDA: filled', '1 order served' ]
// #endregion bridge
