import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventSchema } from "@eventloom/core";
import { workflowGraph } from "../src/index.js";
import { type FakeRun, FakeServer } from "./support/fake-server.js";
import { type PageWatch, launchChromium, openPage, screenshotPath } from "./support/browser.js";
import { testAssets } from "./support/page-build.js";
import {
  Approval,
  FanOutApproval,
  HostileWorkflow,
  SCRIPT,
  XSS,
  shopWithDesk,
} from "./fixtures/workflows.js";

// The page in Chromium against a fake server that speaks the documented routes. What the
// real server sends is proven in packages/server/test/inspector.e2e.test.ts.

let browser: Browser;
const servers: FakeServer[] = [];
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const T0 = Date.parse("2026-12-03T10:00:00Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function run(
  runId: string,
  status: string,
  startMs: number,
  extra: Partial<FakeRun> = {},
): FakeRun {
  return {
    runId,
    workflow: "FanOutApproval",
    status,
    startedAt: iso(startMs),
    updatedAt: iso(startMs + 1500),
    ...extra,
  };
}

async function serve(options: { token?: string; jaegerUrl?: string } = {}) {
  const assets = await testAssets(
    options.jaegerUrl === undefined ? {} : { jaegerUrl: options.jaegerUrl },
  );
  const server = new FakeServer(
    assets,
    [
      { name: "FanOutApproval", graph: workflowGraph(new FanOutApproval()), accepts: ["Approval"] },
      { name: "Hostile", graph: workflowGraph(new HostileWorkflow()) },
      { name: "Shop", graph: workflowGraph(shopWithDesk()) },
    ],
    options.token === undefined ? {} : { token: options.token },
  );
  servers.push(server);
  return { server, url: await server.listen() };
}

function expectQuiet(watch: PageWatch, origin: string): void {
  expect(watch.errors).toEqual([]);
  expect(watch.dialogs).toEqual([]);
  expect(watch.requests.filter((u) => !u.startsWith(origin))).toEqual([]);
}

const rowTexts = (page: Page) =>
  page
    .locator("#runs tbody tr:visible")
    .evaluateAll((trs) =>
      trs.map((tr) => [...(tr as HTMLTableRowElement).cells].slice(0, 3).map((c) => c.textContent)),
    );

describe("the runs table", () => {
  it("lists runs newest first, live, and filters them by status", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "completed", 0));
    server.setRun(run("r2", "failed", 1000));
    const watch = await openPage(browser, url);
    const { page } = watch;
    await page.locator('#runs tr[data-run-id="r2"]').waitFor();
    expect(await rowTexts(page)).toEqual([
      ["r2", "FanOutApproval", "failed"],
      ["r1", "FanOutApproval", "completed"],
    ]);
    expect(await page.locator('tr[data-run-id="r1"] td').nth(4).textContent()).toBe("1.5 s");

    server.setRun(run("r3", "running", 2000));
    await page.locator('#runs tr[data-run-id="r3"][data-status="running"]').waitFor();
    expect((await rowTexts(page))[0]).toEqual(["r3", "FanOutApproval", "running"]);
    server.setRun(run("r3", "completed", 2000));
    await page.locator('#runs tr[data-run-id="r3"][data-status="completed"]').waitFor();

    await page.selectOption("#status-filter", "completed");
    await page.waitForFunction(
      () => document.querySelectorAll("#runs tbody tr:not([hidden])").length === 2,
    );
    expect((await rowTexts(page)).map((r) => r[0])).toEqual(["r3", "r1"]);
    expect(await page.textContent("#run-count")).toBe("2 of 3 runs");
    // A run that changes status leaves or joins the filtered view.
    server.setRun(run("r2", "completed", 1000));
    await page.waitForFunction(
      () => document.querySelectorAll("#runs tbody tr:not([hidden])").length === 3,
    );
    await page.screenshot({ path: screenshotPath("runs-fake") });
    expectQuiet(watch, url);
  });

  it("says when the live stream dropped, and picks up again when the server is back", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "running", 0));
    const { page } = await openPage(browser, url);
    await page.locator("#conn", { hasText: "live" }).waitFor();
    server.dropStreams();
    await page.locator("#conn", { hasText: "reconnecting…" }).waitFor();
    server.setRun(run("r1", "completed", 0));
    await page.locator("#conn", { hasText: "live" }).waitFor();
    await page.locator('#runs tr[data-run-id="r1"][data-status="completed"]').waitFor();
  });

  it("shows 1 000 runs at once and keeps updating them", async () => {
    const { server, url } = await serve();
    for (let i = 0; i < 1000; i++)
      server.setRun(run(`run-${i}`, i % 3 === 0 ? "running" : "completed", i * 10));
    const watch = await openPage(browser, url);
    const { page } = watch;
    const started = Date.now();
    await page.waitForFunction(() => document.querySelectorAll("#runs tbody tr").length === 1000);
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(10_000);
    expect(await page.textContent("#runs tbody tr:first-child td")).toBe("run-999");
    server.setRun(run("run-0", "failed", 0));
    await page.locator('tr[data-run-id="run-0"][data-status="failed"]').waitFor();
    await page.selectOption("#status-filter", "failed");
    await page.waitForFunction(
      () => document.querySelectorAll("#runs tbody tr:not([hidden])").length === 1,
    );
    expectQuiet(watch, url);
  });
});

const approvalSchema = z.toJSONSchema(eventSchema(Approval)!);

describe("a run's page", () => {
  it("shows the graph with live step states, the counts, the stream, answers the waiting step and shows the result", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "running", 0));
    server.setSteps("r1", {
      steps: [
        { name: "start", running: 0, completed: 1, failed: 0, waiting: 0 },
        { name: "work", running: 3, completed: 0, failed: 0, waiting: 0 },
      ],
      waiting: [],
    });
    server.emit("r1", "Progress", { note: "started" });
    const watch = await openPage(browser, `${url}#/runs/r1`);
    const { page } = watch;
    await page.locator('#graph .node[data-id="step:work"][data-state="running"]').waitFor();
    expect(await page.textContent('#graph .node[data-id="step:work"] .state-badge')).toBe(
      "running ×3",
    );
    expect(await page.getAttribute('#graph .node[data-id="step:start"]', "data-state")).toBe(
      "done",
    );
    expect(await page.textContent('#graph .node[data-id="step:start"] .state-badge')).toBe("✓1");
    expect(await page.getAttribute('#graph .node[data-id="step:approve"]', "data-state")).toBe(
      "idle",
    );
    expect(await page.textContent("#run-status")).toBe("running");
    await page.locator('#stream li[data-type="Progress"]').waitFor();

    server.setSteps("r1", {
      steps: [
        { name: "start", running: 0, completed: 1, failed: 0, waiting: 0 },
        { name: "work", running: 0, completed: 3, failed: 0, waiting: 0 },
        { name: "collect", running: 0, completed: 3, failed: 0, waiting: 0 },
        { name: "approve", running: 0, completed: 0, failed: 0, waiting: 1 },
      ],
      waiting: [{ step: "approve", type: "Approval", schema: approvalSchema }],
    });
    server.emit("r1", "JobDone", { n: 3 });
    await page.locator('#steps tr[data-step="work"][data-state="done"]').waitFor();
    const cells = await page.locator('#steps tr[data-step="work"] td').allTextContents();
    expect(cells).toEqual(["work", "done", "0", "3", "0", "0"]);
    await page.locator('#graph .node[data-id="step:approve"][data-state="waiting"]').waitFor();
    const form = page.locator('form.answer[data-type="Approval"]');
    await form.waitFor();
    await page.screenshot({ path: screenshotPath("run-fake"), fullPage: true });

    // Required fields are checked on the page before anything is sent.
    await form.locator("button[type=submit]").click();
    await form.locator(".error", { hasText: "reviewer is required" }).waitFor();
    await form.getByLabel("approved").check();
    await form.getByLabel("reviewer").fill("ada");
    await form.getByLabel("level").selectOption({ label: "high" });
    await form.getByLabel("attempts").fill("2");
    await form.locator("button[type=submit]").click();
    await form.locator("button", { hasText: "Sent" }).waitFor();
    const post = server.requests.find((r) => r.method === "POST" && r.path === "/runs/r1/events");
    expect(post?.body).toEqual({
      type: "Approval",
      data: { approved: true, reviewer: "ada", level: "high", attempts: 2 },
    });

    server.emit("r1", "StopEvent", { result: { total: 3, approved: true } });
    server.setRun(run("r1", "completed", 0, { result: { total: 3, approved: true } }));
    await page.locator("#run-status", { hasText: "completed" }).waitFor();
    await page.locator("#run-result", { hasText: '"approved": true' }).waitFor();
    expect(await page.isDisabled("#cancel")).toBe(true);
    expect(await page.isHidden("#answers")).toBe(true);
    expectQuiet(watch, url);
  });

  it("shows the server's error when an answer is refused", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "running", 0));
    server.setSteps("r1", {
      steps: [],
      waiting: [{ step: "approve", type: "Approval", schema: approvalSchema }],
    });
    server.onPost = () => ({
      status: 400,
      body: { error: { code: "invalid_event", message: "reviewer: too short" } },
    });
    const { page } = await openPage(browser, `${url}#/runs/r1`);
    const form = page.locator("form.answer");
    await form.getByLabel("reviewer").fill("a");
    await form.getByLabel("level").selectOption({ label: "low" });
    await form.locator("button[type=submit]").click();
    await form.locator(".error", { hasText: "reviewer: too short (invalid_event)" }).waitFor();
    expect(await form.locator("button[type=submit]").isEnabled()).toBe(true);
  });

  it("answers with one JSON box when the awaited event has no fields, and checks the JSON first", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "running", 0));
    server.setSteps("r1", {
      steps: [],
      waiting: [{ step: "ask", type: "Answer", schema: { type: "object" } }],
    });
    const { page } = await openPage(browser, `${url}#/runs/r1`);
    const form = page.locator('form.answer[data-type="Answer"]');
    await form.getByLabel("data (JSON)").fill("{ nope");
    await form.locator("button[type=submit]").click();
    await form.locator(".error", { hasText: "data is not valid JSON" }).waitFor();
    await form.getByLabel("data (JSON)").fill('{ "ok": true, "tags": ["a"] }');
    await form.locator("button[type=submit]").click();
    await form.locator("button", { hasText: "Sent" }).waitFor();
    const post = server.requests.find((r) => r.method === "POST" && r.path === "/runs/r1/events");
    expect(post?.body).toEqual({ type: "Answer", data: { ok: true, tags: ["a"] } });
  });

  it("draws a nested workflow's steps inside their service's group", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "running", 0, { workflow: "Shop" }));
    server.setSteps("r1", {
      steps: [{ name: "order", running: 1, completed: 0, failed: 0, waiting: 0 }],
      waiting: [],
    });
    const { page } = await openPage(browser, `${url}#/runs/r1`);
    await page.locator('#graph .node[data-id="step:order"][data-state="running"]').waitFor();
    expect(await page.textContent('#graph .group[data-id="group:desk"] .group-title')).toBe(
      "desk: Desk",
    );
    expect(await page.textContent('#graph .node[data-id="group:desk/step:book"] .name')).toBe(
      "book",
    );
  });

  it("cancels the run with the cancel button", async () => {
    const { server, url } = await serve();
    server.setRun(run("r1", "running", 0));
    server.onPost = (path) => {
      if (path === "/runs/r1/cancel")
        server.setRun(
          run("r1", "cancelled", 0, {
            error: { code: "cancelled", message: "The run was cancelled" },
          }),
        );
      return { status: 202, body: {} };
    };
    const { page } = await openPage(browser, `${url}#/runs/r1`);
    await page.click("#cancel");
    await page.locator("#run-status", { hasText: "cancelled" }).waitFor();
    await page.locator("#run-error", { hasText: "cancelled: The run was cancelled" }).waitFor();
    expect(
      server.requests.filter((r) => r.path === "/runs/r1/cancel").map((r) => r.method),
    ).toEqual(["POST"]);
  });

  it("links the trace id to Jaeger when jaegerUrl is set, and says when the server reports none", async () => {
    const { server, url } = await serve({ jaegerUrl: "http://jaeger.test:16686" });
    server.setRun(run("r1", "completed", 0, { traceId: "0af7651916cd43dd8448eb211c80319c" }));
    server.setRun(run("r2", "completed", 0));
    const { page } = await openPage(browser, `${url}#/runs/r1`);
    await page.locator("a#trace").waitFor();
    expect(await page.getAttribute("a#trace", "href")).toBe(
      "http://jaeger.test:16686/trace/0af7651916cd43dd8448eb211c80319c",
    );
    await page.goto(`${url}#/runs/r2`);
    await page.locator("#trace", { hasText: "not reported by the server" }).waitFor();
  });

  it("says so when the run does not exist", async () => {
    const { url } = await serve();
    const { page } = await openPage(browser, `${url}#/runs/nope`);
    await page.locator("#run-missing", { hasText: "No run /runs/nope (not_found)" }).waitFor();
  });
});

describe("with a token", () => {
  it("asks for it once and sends it as a Bearer header on every request, SSE streams included", async () => {
    const { server, url } = await serve({ token: "s3cret" });
    server.setRun(run("r1", "running", 0));
    const { page } = await openPage(browser, url);
    await page.locator("#token-form").waitFor();
    await page.fill("#token-form input", "wrong");
    await page.click("#token-form button");
    await page.locator("#token-form", { hasText: "was not accepted" }).waitFor();
    await page.fill("#token-form input", "s3cret");
    await page.click("#token-form button");
    await page.locator('#runs tr[data-run-id="r1"]').waitFor();
    await page.click('a[href="#/runs/r1"]');
    await page.locator("#graph").waitFor();
    await page.locator("#run-status", { hasText: "running" }).waitFor();
    // One prompt answered wrong, one right; every API request after that carried the token.
    const api = server.requests.filter((r) => !r.path.startsWith("/assets") && r.path !== "/");
    const after = api.slice(api.findIndex((r) => r.authorization === "Bearer s3cret"));
    expect(after.length).toBeGreaterThanOrEqual(4);
    expect(after.every((r) => r.authorization === "Bearer s3cret")).toBe(true);
    expect(after.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/runs",
        "/runs/r1",
        "/runs/r1/events",
        "/runs/r1/steps",
        "/workflows",
      ]),
    );
    expect(await page.locator("#token-form").count()).toBe(0);
  });
});

describe("text from user code", () => {
  it("renders hostile workflow, step, event names, data and errors as text: no dialog, no error, no element", async () => {
    const { server, url } = await serve();
    const hostileRun = run(`${XSS}"'`, "failed", 0, {
      workflow: "Hostile",
      error: { code: XSS, message: SCRIPT },
    });
    server.setRun(hostileRun);
    server.setSteps(hostileRun.runId, {
      steps: [{ name: XSS, running: 1, completed: 0, failed: 1, waiting: 0 }],
      waiting: [
        {
          step: XSS,
          type: SCRIPT,
          schema: {
            type: "object",
            properties: { [XSS]: { type: "string", description: SCRIPT } },
          },
        },
      ],
    });
    server.emit(hostileRun.runId, SCRIPT.replace(/[\r\n]/g, ""), { [XSS]: SCRIPT });
    const watch = await openPage(browser, url);
    const { page } = watch;
    await page.locator("#runs tbody tr").waitFor();
    expect(await page.textContent("#runs tbody tr td")).toBe(`${XSS}"'`);
    await page.click("#runs tbody tr a");
    await page.locator("#run-error").waitFor();
    await page.locator("#graph .node.step").first().waitFor();
    expect(await page.textContent("#run-error")).toBe(`${XSS}: ${SCRIPT}`);
    const labels = await page.locator("#graph .node .name").allTextContents();
    expect(labels).toContain(XSS);
    expect(await page.textContent("#stream li .type")).toBe(SCRIPT);
    const counts = await page.evaluate(() => ({
      img: document.querySelectorAll("img").length,
      scripts: [...document.scripts].map((s) => s.src.replace(location.origin, "")),
    }));
    expect(counts).toEqual({ img: 0, scripts: ["/assets/inspector.js"] });
    expectQuiet(watch, url);
  });
});
