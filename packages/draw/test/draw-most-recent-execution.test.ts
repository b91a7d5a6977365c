import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { describe, expect, it } from "vitest";
import { drawMostRecentExecution } from "../src/index.js";
import {
  ApprovalRequest,
  ApprovalResponse,
  ApprovedTradeMonitor,
  ComplexTradeMonitor,
  TradeMonitorWorkflow,
} from "./fixtures/seed-workflows.js";
import { readDrawing } from "./support/read-drawing.js";

/** A random source that returns `values` in turn. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe("drawMostRecentExecution", () => {
  it("counts the edges a looping run took: four cycles, two buys and two sells", async () => {
    // < 0.3 sells, otherwise buys: sell, buy, buy, sell.
    const wf = new TradeMonitorWorkflow({ totalCycle: 4, random: sequence(0.1, 0.9, 0.5, 0.2) });
    const handler = wf.run({ payload: "NVDA" });
    await expect(handler).resolves.toBe("We're done for the day.");

    const page = readDrawing(drawMostRecentExecution(handler));
    expect(page.subtitle).toBe("Most recent execution · completed · 13 step invocations");
    expect(page.edgeLabel("event:LoopEvent", "step:begin")).toBe("×4");
    expect(page.edgeLabel("step:begin", "event:GetSentimentEvent")).toBe("×4");
    expect(page.edgeLabel("step:buy", "event:LoopEvent")).toBe("×2");
    expect(page.edgeLabel("step:sell", "event:LoopEvent")).toBe("×2");
    // Edges taken once carry no count.
    expect(page.edgeLabel("event:StartEvent", "step:begin")).toBeUndefined();
    expect(page.edgeLabel("step:begin", "event:StopEvent")).toBeUndefined();
    expect(page.node("step:begin")?.text).toContain("ran 5×");
    expect(page.timeline).toHaveLength(13);
    expect(page.timeline[0]).toBe("begin ← StartEvent → GetSentimentEvent");
    expect(page.timeline[12]).toBe("begin ← LoopEvent → StopEvent");
  });

  it("draws only the path taken", async () => {
    const wf = new TradeMonitorWorkflow({ totalCycle: 1, random: () => 0.9 });
    const handler = wf.run({ payload: "NVDA" });
    await handler;
    const page = readDrawing(drawMostRecentExecution(handler));
    expect(page.node("step:buy")).toBeDefined();
    expect(page.node("step:sell")).toBeUndefined();
    expect(page.node("event:SellEvent")).toBeUndefined();
  });

  it("counts each fan-in event once and the collecting step three times", async () => {
    const handler = new ComplexTradeMonitor({ random: () => 0.9 }).run({ payload: "NVDA" });
    await handler;
    const page = readDrawing(drawMostRecentExecution(handler));
    expect(page.node("step:tradingDecision")?.text).toContain("ran 3×");
    expect(page.edgeLabel("event:WSBSentimentEvent", "step:tradingDecision")).toBeUndefined();
    expect(page.edgeLabel("step:tradingDecision", "event:TradeEvent")).toBeUndefined();
  });

  it("routes a human answer through the human node", async () => {
    const handler = new ApprovedTradeMonitor().run({ payload: "NVDA" });
    for await (const ev of handler.streamEvents()) {
      if (ev instanceof ApprovalRequest)
        handler.sendEvent(new ApprovalResponse({ approved: true }));
    }
    await expect(handler).resolves.toBe("Bought");
    const page = readDrawing(drawMostRecentExecution(handler));
    expect(page.node("human")?.kind).toBe("human");
    expect(page.edgeLabel("step:propose", "event:ApprovalRequest")).toBeUndefined();
    expect(page.edgeLabel("event:ApprovalRequest", "human")).toBeUndefined();
    expect(page.edgeLabel("human", "event:ApprovalResponse")).toBeUndefined();
    expect(page.timeline).toEqual([
      "propose ← StartEvent → ApprovalRequest",
      "execute ← ApprovalResponse → StopEvent",
    ]);
  });

  it("marks the failing step of a failed run, after its retries", async () => {
    class Order extends Event.define({ stock: z.string() }) {}
    class BrokerOffline extends Error {}
    class OrderDesk extends Workflow {
      prepare = step({ accepts: [StartEvent], emits: [Order] }, () => new Order({ stock: "NVDA" }));
      placeOrder = step(
        {
          accepts: [Order],
          emits: [StopEvent],
          retry: { next: ({ attempt }) => (attempt < 3 ? 0 : null) },
        },
        () => {
          throw new BrokerOffline("broker offline");
        },
      );
    }
    const handler = new OrderDesk().run({});
    await expect(handler).rejects.toBeInstanceOf(BrokerOffline);

    const page = readDrawing(drawMostRecentExecution(handler));
    expect(page.subtitle).toBe("Most recent execution · failed · 4 step invocations");
    expect(page.node("step:placeOrder")?.status).toBe("failed");
    expect(page.node("step:placeOrder")?.text).toContain("failed (attempt 3)");
    expect(page.node("step:placeOrder")?.text).toContain("2 retries");
    expect(page.node("step:prepare")?.status).toBe("completed");
    expect(page.timeline).toEqual([
      "prepare ← StartEvent → Order",
      "placeOrder ← Order · failed, retried",
      "placeOrder (attempt 2) ← Order · failed, retried",
      "placeOrder (attempt 3) ← Order · failed",
    ]);
    expect(page.html).toContain('class="failed-mark"');
  });

  it("writes the file when given a filename", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const handler = new TradeMonitorWorkflow({ random: () => 0.9 }).run({ payload: "NVDA" });
    await handler;
    const file = join(mkdtempSync(join(tmpdir(), "draw-")), "run.html");
    const html = drawMostRecentExecution(handler, { filename: file });
    expect(readFileSync(file, "utf8")).toBe(html);
  });
});
