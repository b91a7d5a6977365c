import { describeWorkflow } from "@eventloom/core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drawAllPossibleFlows, drawMostRecentExecution } from "../src/index.js";
import {
  ApprovedTradeMonitor,
  ComplexTradeMonitor,
  HostileWorkflow,
  TradeMonitorWorkflow,
  SCRIPT_CLOSE,
  XSS,
  complexTradeMonitorV2WithStation,
} from "./fixtures/seed-workflows.js";
import { type PageWatch, launchChromium, openOffline, screenshotPath } from "./support/browser.js";

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function expectQuiet(watch: PageWatch): void {
  expect(watch.requests).toEqual([]);
  expect(watch.blockedRequests).toEqual([]);
  expect(watch.consoleErrors).toEqual([]);
  expect(watch.dialogs).toEqual([]);
}

describe("drawAllPossibleFlows in Chromium, offline", () => {
  it("shows every step and event of ComplexTradeMonitor without a single network request", async () => {
    const watch = await openOffline(browser, drawAllPossibleFlows(ComplexTradeMonitor), "complex");
    const { page } = watch;
    const d = describeWorkflow(new ComplexTradeMonitor());

    const steps = await page
      .locator('.node[data-kind="step"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-name")));
    expect(steps.sort()).toEqual(d.steps.map((s) => s.name).sort());
    const events = await page
      .locator('.node[data-kind="event"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute("data-name")));
    expect(events.sort()).toEqual([...d.events.keys()].sort());
    for (const name of [...d.steps.map((s) => s.name), ...d.events.keys()]) {
      await expect
        .poll(() => page.locator(".node", { hasText: name }).first().isVisible())
        .toBe(true);
    }
    // Start and stop are drawn apart from the other events.
    expect(await page.locator('[data-name="StartEvent"]').getAttribute("data-role")).toBe("start");
    expect(await page.locator('[data-name="StopEvent"]').getAttribute("data-role")).toBe("stop");
    // One edge per accepted and per emitted event class.
    const edgeCount = d.steps.reduce((n, s) => n + s.accepts.length + s.emits.length, 0);
    expect(await page.locator(".edge").count()).toBe(edgeCount);
    await expect.poll(() => page.locator("h1").textContent()).toBe("ComplexTradeMonitor");

    await page.screenshot({ path: screenshotPath("complex-trade-monitor") });
    expectQuiet(watch);
    await page.close();
  });

  it("shows a step's options and an event's schema fields when clicked", async () => {
    const watch = await openOffline(
      browser,
      drawAllPossibleFlows(complexTradeMonitorV2WithStation()),
      "v2-panel",
    );
    const { page } = watch;
    const panel = page.locator("#panel");
    expect(await panel.isVisible()).toBe(false);

    await page.locator('.node[data-id="step:trade"]').click();
    await panel.waitFor({ state: "visible" });
    const text = await panel.innerText();
    expect(text).toContain("trade");
    expect(text).toMatch(/Workers\s+4/);
    expect(text).toMatch(/Retry\s+none/);
    expect(text).toMatch(/Timeout\s+10 s per attempt/);
    expect(text).toMatch(/Services\s+tradeStation/);

    await page.locator('.node[data-id="event:WSBSentimentEvent"]').click();
    await expect.poll(() => panel.innerText()).toContain("payload");
    expect(await panel.innerText()).toContain("string | Record<string, unknown> | null");

    await page.keyboard.press("Escape");
    await panel.waitFor({ state: "hidden" });
    expectQuiet(watch);
    await page.close();
  });

  it("pans and zooms with the wheel and drag, and Reset view puts it back", async () => {
    const watch = await openOffline(browser, drawAllPossibleFlows(ComplexTradeMonitor), "panzoom");
    const { page } = watch;
    const transform = () => page.locator("#viewport").getAttribute("transform");
    const scale = async () => Number(/scale\(([\d.]+)\)/.exec((await transform()) ?? "")?.[1]);
    const fitted = await transform();
    const k0 = await scale();

    await page.mouse.move(500, 400);
    await page.mouse.wheel(0, -400);
    await expect.poll(scale).toBeGreaterThan(k0 * 1.5);

    const beforeDrag = await transform();
    await page.mouse.move(300, 700);
    await page.mouse.down();
    await page.mouse.move(420, 640, { steps: 5 });
    await page.mouse.up();
    expect(await transform()).not.toBe(beforeDrag);

    await page.locator('[data-action="reset"]').click();
    expect(await transform()).toBe(fitted);
    await page.locator('[data-action="zoom-out"]').click();
    expect(await scale()).toBeLessThan(k0);
    expectQuiet(watch);
    await page.close();
  });

  it("collapses and expands a nested workflow group", async () => {
    const watch = await openOffline(
      browser,
      drawAllPossibleFlows(complexTradeMonitorV2WithStation()),
      "v2-groups",
    );
    const { page } = watch;
    const inner = page.locator('.node[data-id="group:tradeStation/step:trade"]');
    const frame = page.locator('.group[data-id="group:tradeStation"]');
    const box = page.locator('.group-box[data-id="group:tradeStation"]');
    expect(await inner.isVisible()).toBe(true);
    expect(await frame.isVisible()).toBe(true);
    expect(await box.isVisible()).toBe(false);
    expect(await frame.innerHTML()).toContain("tradeStation: TradeStation");
    await page.screenshot({ path: screenshotPath("complex-trade-monitor-v2-expanded") });

    await frame.locator(".toggle").click();
    expect(await inner.isVisible()).toBe(false);
    expect(await box.isVisible()).toBe(true);
    // The step that runs the nested workflow now points at the collapsed box.
    const runs = page.locator(".edge.kind-runs");
    expect(await runs.isVisible()).toBe(true);
    await page.locator('[data-action="reset"]').click();
    await page.screenshot({ path: screenshotPath("complex-trade-monitor-v2-collapsed") });

    await box.locator(".toggle").click();
    expect(await inner.isVisible()).toBe(true);
    expect(await box.isVisible()).toBe(false);
    expectQuiet(watch);
    await page.close();
  });

  it("puts a human between the input request and the human response", async () => {
    const watch = await openOffline(
      browser,
      drawAllPossibleFlows(ApprovedTradeMonitor),
      "approval",
    );
    const { page } = watch;
    const human = page.locator('.node[data-kind="human"]');
    expect(await human.isVisible()).toBe(true);
    const edge = (from: string, to: string) =>
      page.locator(`.edge.kind-human[data-from="${from}"][data-to="${to}"]`);
    expect(await edge("event:ApprovalRequest", "human").count()).toBe(1);
    expect(await edge("human", "event:ApprovalResponse").count()).toBe(1);
    expect(await page.locator('[data-name="ApprovalRequest"]').getAttribute("data-role")).toBe(
      "input-required",
    );
    await page.screenshot({ path: screenshotPath("approved-trade-monitor") });
    expectQuiet(watch);
    await page.close();
  });

  it("renders markup in names as text: no dialog, no script, the literal name visible", async () => {
    const html = drawAllPossibleFlows(HostileWorkflow);
    const watch = await openOffline(browser, html, "hostile");
    const { page } = watch;
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(2); // the data and the page's own script
    await expect.poll(() => page.locator("h1").textContent()).toBe(`Hostile ${XSS}`);
    const step = page.locator(".node[data-kind=step]", { hasText: XSS });
    expect(await step.isVisible()).toBe(true);
    expect(await step.locator(".name").textContent()).toBe(XSS);
    expect(await page.locator(".node[data-kind=step]", { hasText: SCRIPT_CLOSE }).isVisible()).toBe(
      true,
    );
    // The panel builds its content from the JSON data without parsing it as markup.
    await step.click();
    await expect.poll(() => page.locator("#panel h3").textContent()).toBe(XSS);
    await page.locator(`.node[data-kind=event]`, { hasText: XSS }).click();
    await expect.poll(() => page.locator("#panel td").first().textContent()).toBe(SCRIPT_CLOSE);
    expect(await page.locator("img").count()).toBe(0);
    await page.screenshot({ path: screenshotPath("hostile") });
    expectQuiet(watch);
    await page.close();
  });
});

describe("drawMostRecentExecution in Chromium, offline", () => {
  it("shows a loop run's counts and its timeline, and selects a step from the timeline", async () => {
    const random = [0.1, 0.9];
    let i = 0;
    const wf = new TradeMonitorWorkflow({ totalCycle: 2, random: () => random[i++ % 2]! });
    const handler = wf.run({ payload: "NVDA" });
    await handler;
    const watch = await openOffline(browser, drawMostRecentExecution(handler), "loop-run");
    const { page } = watch;
    const timeline = page.locator("#panel-default li");
    expect(await timeline.count()).toBe(7);
    expect(await page.locator(".edge-label", { hasText: "×2" }).first().isVisible()).toBe(true);
    await timeline.nth(1).click();
    await expect.poll(() => page.locator("#panel h3").textContent()).toBe("getSentiment");
    expect(await page.locator("#panel").innerText()).toMatch(/Invocations\s+2/);
    await page.screenshot({ path: screenshotPath("loop-run") });
    expectQuiet(watch);
    await page.close();
  });
});
