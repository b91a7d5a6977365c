import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { addWorkflows, runNested } from "@eventloom/services";
import { describe, expect, it } from "vitest";
import { drawMostRecentExecution } from "../src/index.js";
import { readDrawing } from "./support/read-drawing.js";

class Order extends StartEvent.define({ stock: z.string() }) {
  static override typeName = "Order";
}
class Checked extends Event.define({ stock: z.string() }) {
  static override typeName = "Checked";
}

/** The nested service: two steps per run. */
class Station extends Workflow {
  check = step({ accepts: [Order], emits: [Checked] }, (ev) => new Checked({ stock: ev.stock }));
  fill = step(
    { accepts: [Checked], emits: [StopEvent] },
    (ev) => new StopEvent({ result: `filled ${ev.stock}` }),
  );
}

/** The parent: one step that runs the station once per stock. */
class Desk extends Workflow {
  trade = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["station"] },
    async (ev, ctx, services) => {
      const stocks = ev["stocks"] as string[];
      const results: unknown[] = [];
      for (const stock of stocks)
        results.push(await runNested(ctx, services["station"] as Station, { stock }));
      return new StopEvent({ result: results });
    },
  );
}

/** A parent whose nested run fails in its second step. */
class Broken extends Workflow {
  fill = step({ accepts: [Checked], emits: [StopEvent] }, () => {
    throw new Error("no liquidity");
  });
  check = step({ accepts: [Order], emits: [Checked] }, (ev) => new Checked({ stock: ev.stock }));
}

describe("drawMostRecentExecution: nested runs", () => {
  it("draws a nested run's steps inside its service group, with their own counts", async () => {
    const desk = addWorkflows(new Desk(), { station: new Station() });
    const handler = desk.run({ stocks: ["NVDA", "AAPL"] });
    await expect(handler).resolves.toEqual(["filled NVDA", "filled AAPL"]);

    const html = drawMostRecentExecution(handler);
    const page = readDrawing(html);
    expect(page.subtitle).toBe(
      "Most recent execution · completed · 1 step invocation · 1 nested workflow",
    );
    // The parent's own step ran once; the station's steps twice, one per nested run.
    expect(page.node("step:trade")?.text).toContain("ran once");
    expect(page.node("group:station/step:check")?.text).toContain("ran 2×");
    expect(page.node("group:station/step:fill")?.text).toContain("ran 2×");
    expect(page.edgeLabel("group:station/event:Order", "group:station/step:check")).toBe("×2");
    expect(page.edgeLabel("group:station/step:fill", "group:station/event:StopEvent")).toBe("×2");
    // The step that ran the service points at its start event, once per nested run.
    expect(page.edgeLabel("step:trade", "group:station/event:Order")).toBe("×2");
    // The group is a collapsible box like the all-flows drawing's.
    expect(html).toContain('data-group="group:station"');
    // The timeline lists the top run's invocations only.
    expect(page.timeline).toEqual(["trade ← StartEvent → StopEvent"]);
  });

  it("marks the failing step of a nested run that failed, inside the group", async () => {
    const desk = addWorkflows(new Desk(), { station: new Broken() });
    const handler = desk.run({ stocks: ["NVDA"] });
    await expect(handler).rejects.toThrow("no liquidity");

    const page = readDrawing(drawMostRecentExecution(handler));
    expect(page.node("group:station/step:fill")?.status).toBe("failed");
    expect(page.node("group:station/step:check")?.status).toBe("completed");
    expect(page.node("step:trade")?.status).toBe("failed");
  });

  it("draws no group for a run that started no nested run", async () => {
    const desk = addWorkflows(new Desk(), { station: new Station() });
    const handler = desk.run({ stocks: [] });
    await handler;
    const html = drawMostRecentExecution(handler);
    expect(readDrawing(html).subtitle).toBe(
      "Most recent execution · completed · 1 step invocation",
    );
    expect(html).not.toContain("group:station");
  });
});
