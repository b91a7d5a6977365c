/**
 * The article's "Unbound syntax" idea: one Application workflow class and its shared events;
 * each team's module registers its own steps on it with `addStep`, and one of them calls a
 * nested workflow as a service.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { addWorkflows, runNested } from "@eventloom/services";

// application.ts: the pipeline and the events every module may use.
class Application extends Workflow {}
class SentimentRequest extends Event.define({ stock: z.string() }) {}
class SentimentResult extends Event.define({ stock: z.string(), sentiment: z.string() }) {}

// market-module.ts: asks for a sentiment when the application starts.
Application.addStep(
  step(
    { name: "requestSentiment", accepts: [StartEvent], emits: [SentimentRequest] },
    (ev) => new SentimentRequest({ stock: String(ev["stock"]) }),
  ),
);

// sentiment-module.ts: answers sentiment requests.
Application.addStep(
  step(
    { name: "analyseSentiment", accepts: [SentimentRequest], emits: [SentimentResult] },
    (ev) => new SentimentResult({ stock: ev.stock, sentiment: "Bullish" }),
  ),
);

// trading-module.ts: places the order through the TradeStation service.
class TradeStation extends Workflow {
  trade = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    (ev) =>
      new StopEvent({
        result: `${ev["sentiment"] === "Bullish" ? "bought" : "sold"} ${String(ev["stock"])}`,
      }),
  );
}
Application.addStep(
  step(
    {
      name: "placeOrder",
      accepts: [SentimentResult],
      emits: [StopEvent],
      services: ["tradeStation"],
    },
    async (ev, ctx, services) => {
      const done = await runNested(ctx, services["tradeStation"] as TradeStation, {
        stock: ev.stock,
        sentiment: ev.sentiment,
      });
      return new StopEvent({ result: done });
    },
  ),
);

describe("the application pattern: modules register unbound steps on a shared workflow class", () => {
  it("runs the steps that every module added, and the nested service one of them requests", async () => {
    const app = addWorkflows(new Application(), { tradeStation: new TradeStation() });
    const handler = app.run({ stock: "NVDA" });
    expect(await handler).toBe("bought NVDA");
    expect(handler.history.map((r) => r.step)).toEqual([
      "requestSentiment",
      "analyseSentiment",
      "placeOrder",
    ]);
  });

  it("refuses a second module step with a name already taken", () => {
    expect(() =>
      Application.addStep(
        step({ name: "placeOrder", accepts: [SentimentResult], emits: [StopEvent] }, () => null),
      ),
    ).toThrow("a step named placeOrder already exists");
  });
});
