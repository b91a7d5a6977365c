// The inspector page in Debian's Chromium against a real server on 127.0.0.1: runs listed live,
// a run's graph and step counts as it fans out and waits, an answer sent through the page's
// form, a run cancelled from the page. Needs the page built (`pnpm build`, which `pnpm check`
// runs first); playwright-core drives /usr/bin/chromium, never a downloaded browser.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer, type ListeningServer } from "@eventloom/server";
import { request } from "./support/http.js";

const CHROMIUM = "/usr/bin/chromium";
const PAGE_BUILT = fileURLToPath(
  new URL("../node_modules/@eventloom/inspector/dist/page/index.html", import.meta.url),
);
const canRun = existsSync(CHROMIUM) && existsSync(PAGE_BUILT);
if (!canRun && process.env["CI"] === "true") {
  throw new Error(
    `inspector e2e needs ${CHROMIUM} (apt-get install chromium) and the built page ${PAGE_BUILT} (pnpm build)`,
  );
}

class Job extends Event.define({ n: z.number().int() }) {
  static override typeName = "Job";
}
class JobDone extends Event.define({ n: z.number().int() }) {
  static override typeName = "JobDone";
}
class AllDone extends Event.define({ total: z.number().int() }) {
  static override typeName = "AllDone";
}
class Approval extends Event.define({
  approved: z.boolean(),
  reviewer: z.string().min(2),
  level: z.enum(["low", "high"]),
}) {
  static override typeName = "Approval";
}

/** Lets the test hold the fan-out's jobs running until the page has shown them. */
class Gate {
  private open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
}
const gates = new Map<string, Gate>();
const gateOf = (id: string) => {
  let g = gates.get(id);
  if (g === undefined) gates.set(id, (g = new Gate()));
  return g;
};

/** Fans out three jobs, collects them, then waits for an Approval. */
class FanOutApproval extends Workflow {
  static override workflowName = "FanOutApproval";
  // Declared so the server knows Approval's schema (GET /runs/:id/steps reads it from the
  // workflow's classes) and the page builds a field per property.
  static override externalEvents = [Approval];
  start = step({ accepts: [StartEvent], emits: [Job] }, (ev, ctx) => {
    ctx.writeEventToStream(new Job({ n: 0 }));
    for (let n = 1; n <= 3; n++) ctx.sendEvent(new Job({ n }));
    void ev;
  });
  work = step({ accepts: [Job], emits: [JobDone], numWorkers: 3 }, async (ev, ctx: Context) => {
    await gateOf(ctx.runId).opened;
    return new JobDone({ n: ev.n });
  });
  collect = step({ accepts: [JobDone], emits: [AllDone] }, (ev, ctx: Context) => {
    const all = ctx.collectEvents(ev, JobDone, { count: 3 });
    return all === null ? null : new AllDone({ total: all.length });
  });
  approve = step({ accepts: [AllDone], emits: [StopEvent] }, async (ev, ctx: Context) => {
    const answer = await ctx.waitForEvent(Approval);
    return new StopEvent({
      result: { total: ev.total, approved: answer.approved, by: answer.reviewer },
    });
  });
}

const XSS = "<img src=x onerror=alert(1)>";
const SCRIPT = `<script>alert("x")</script>'"`;
class HostileEvent extends Event.define({ note: z.string() }) {
  static override typeName = `${SCRIPT}Event`;
}
/** Names, data and an error message a browser would run if they were ever parsed as HTML. */
class HostileWorkflow extends Workflow {
  static override workflowName = XSS;
}
HostileWorkflow.addStep(
  step({ name: XSS, accepts: [StartEvent], emits: [HostileEvent] }, (_ev, ctx) => {
    ctx.writeEventToStream(new HostileEvent({ note: XSS }));
    return new HostileEvent({ note: SCRIPT });
  }),
);
HostileWorkflow.addStep(
  step({ name: SCRIPT, accepts: [HostileEvent], emits: [StopEvent] }, () => {
    throw new Error(`${XSS} ${SCRIPT}`);
  }),
);

const TOKEN = "e2e-token";
const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

let browser: Browser;
let server: ListeningServer;
let url: string;

beforeAll(async () => {
  if (!canRun) return;
  server = await createServer({
    workflows: { fanout: new FanOutApproval({ timeout: null }), hostile: new HostileWorkflow() },
    token: TOKEN,
    inspector: { jaegerUrl: "http://jaeger.invalid:16686" },
  }).listen({ port: 0 });
  url = server.url;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});
afterAll(async () => {
  for (const g of gates.values()) g.release();
  await browser?.close();
  await server?.close();
});

async function startRun(workflow = "fanout"): Promise<string> {
  const res = await request(`${url}/workflows/${encodeURIComponent(workflow)}/runs`, {
    method: "POST",
    json: { input: {} },
    ...auth,
  });
  expect(res.status).toBe(201);
  return res.body.runId as string;
}

/** Opens the page, answers the token prompt, and records what would make the test fail. */
async function openInspector(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    // Chromium logs the 401 that makes the page ask for the token, and the 400 of the answer
    // the test sends wrong on purpose; the page shows both to the user.
    const expected = /Failed to load resource: .* status of (400|401) /;
    if (m.type() === "error" && !expected.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(url) && !r.url().startsWith("data:"))
      problems.push(`request: ${r.url()}`);
  });
  await page.goto(`${url}/`);
  await page.locator("#token-form input").fill(TOKEN);
  await page.locator("#token-form button").click();
  await page.locator("#runs").waitFor();
  return { page, problems };
}

function screenshotPath(name: string): string {
  const dir = fileURLToPath(new URL("../../../.out/screenshots", import.meta.url));
  mkdirSync(dir, { recursive: true });
  return join(dir, `inspector-${name}.png`);
}

describe.skipIf(!canRun)("the inspector page against a real server, in Chromium", () => {
  it("lists a fan-out run live, shows its steps running then done, answers its wait through the form, and shows it completed", async () => {
    const { page, problems } = await openInspector();
    const runId = await startRun();

    // The runs table lists it live as running.
    const row = page.locator(`#runs tr[data-run-id="${runId}"]`);
    await row.locator(".status", { hasText: "running" }).waitFor();
    expect(await row.locator("td").nth(1).textContent()).toBe("fanout");
    await page.screenshot({ path: screenshotPath("runs") });

    // Its page: the three jobs run at once on the graph and in the counts.
    await row.locator("a").click();
    const work = page.locator('#graph .node[data-id="step:work"]');
    await page.locator('#graph .node[data-id="step:work"][data-state="running"]').waitFor();
    await work.locator(".state-badge", { hasText: "running ×3" }).waitFor();
    expect(await page.locator('#steps tr[data-step="work"] td.running').textContent()).toBe("3");
    expect(await page.textContent("#run-status")).toBe("running");

    // Once they finish: done ×3 on the graph, 3 completed in the table, approve waits.
    gateOf(runId).release();
    await page.locator('#graph .node[data-id="step:work"][data-state="done"]').waitFor();
    await work.locator(".state-badge", { hasText: "✓3" }).waitFor();
    await page.locator('#steps tr[data-step="work"] td.completed', { hasText: "3" }).waitFor();
    await page.locator('#steps tr[data-step="collect"] td.completed', { hasText: "3" }).waitFor();
    await page.locator('#graph .node[data-id="step:approve"][data-state="waiting"]').waitFor();
    await page.locator('#stream li[data-type="Job"]').waitFor();
    const form = page.locator('form.answer[data-step="approve"][data-type="Approval"]');
    await form.waitFor();
    await page.screenshot({ path: screenshotPath("run"), fullPage: true });

    // The server's own validation error shows on the form; a good answer completes the run.
    await form.getByLabel("reviewer").fill("a");
    await form.getByLabel("level").selectOption({ label: "high" });
    await form.locator("button[type=submit]").click();
    await form.locator(".error", { hasText: "reviewer" }).waitFor();
    await form.getByLabel("approved").check();
    await form.getByLabel("reviewer").fill("ada");
    await form.locator("button[type=submit]").click();
    await page.locator("#run-status", { hasText: "completed" }).waitFor();
    await page.locator("#run-result", { hasText: '"by": "ada"' }).waitFor();
    await page.locator('#stream li[data-type="StopEvent"]').waitFor();
    expect(await page.isDisabled("#cancel")).toBe(true);

    const final = await request(`${url}/runs/${runId}`, auth);
    expect(final.body).toMatchObject({
      status: "completed",
      result: { total: 3, approved: true, by: "ada" },
    });
    await page.goto(`${url}/#/`);
    await page
      .locator(`#runs tr[data-run-id="${runId}"] .status`, { hasText: "completed" })
      .waitFor();
    expect(problems).toEqual([]);
  });

  it("cancels another run from its page", async () => {
    const { page, problems } = await openInspector();
    const runId = await startRun();
    await page.locator(`#runs tr[data-run-id="${runId}"] a`).click();
    await page.locator('#graph .node[data-id="step:work"][data-state="running"]').waitFor();
    await page.click("#cancel");
    await page.locator("#run-status", { hasText: "cancelled" }).waitFor();
    await page.locator("#run-error").waitFor();
    const final = await request(`${url}/runs/${runId}`, auth);
    expect(final.body.status).toBe("cancelled");
    await page.goto(`${url}/#/?status=cancelled`);
    await page.locator(`#runs tr[data-run-id="${runId}"]:not([hidden])`).waitFor();
    expect(problems).toEqual([]);
  });

  it("renders hostile step and event names, a workflow class name, event data and error messages as text", async () => {
    const { page, problems } = await openInspector();
    const runId = await startRun("hostile");
    const row = page.locator(`#runs tr[data-run-id="${runId}"]`);
    await row.locator(".status", { hasText: "failed" }).waitFor();
    expect(await row.locator("td").nth(1).textContent()).toBe("hostile");
    await row.locator("a").click();
    await page.locator("#run-error").waitFor();
    expect(await page.getAttribute("#graph", "aria-label")).toBe(`${XSS}: workflow graph`);
    expect(await page.textContent("#run-error")).toContain(`${XSS} ${SCRIPT}`);
    await page.locator("#graph .node.step").first().waitFor();
    const labels = await page.locator("#graph .node .name").allTextContents();
    expect(labels).toEqual(expect.arrayContaining([XSS, SCRIPT, `${SCRIPT}Event`]));
    await page.locator(`#steps tr td.mono`, { hasText: SCRIPT }).waitFor();
    await page.locator("#stream li pre", { hasText: `"note": "${XSS}"` }).waitFor();
    const dom = await page.evaluate(() => ({
      img: document.querySelectorAll("img").length,
      scripts: [...document.scripts].map((el) => el.src.replace(location.origin, "")),
    }));
    expect(dom).toEqual({ img: 0, scripts: ["/assets/inspector.js"] });
    expect(problems).toEqual([]);
  });
});
