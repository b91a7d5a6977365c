// The client in a real browser: bundled by Vite for the browser (no Node built-ins), loaded by a
// page on another origin, talking to the server through CORS: a typed run, its SSE stream, an
// answer, the result, and a refused request's code.
import { createServer as createHttpServer, type Server } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createServer, type ListeningServer } from "@eventloom/server";
import { ApprovalWorkflow, OrderWorkflow } from "./support/workflows.js";

const CHROMIUM = "/usr/bin/chromium";
const missing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`;

let dir: string;
let page: Server;
let pageOrigin: string;
let server: ListeningServer;
let browser: Browser | undefined;

beforeAll(async () => {
  if (missing !== undefined) return;
  dir = mkdtempSync(join(tmpdir(), "eventloom-client-browser-"));
  await build({
    logLevel: "silent",
    configFile: false,
    resolve: { conditions: ["@eventloom/source", "browser", "module", "import", "default"] },
    build: {
      outDir: dir,
      emptyOutDir: true,
      minify: false,
      lib: {
        entry: fileURLToPath(new URL("../src/index.ts", import.meta.url)),
        formats: ["es"],
        fileName: () => "client.js",
      },
    },
  });
  const bundle = readFileSync(join(dir, "client.js"), "utf8");
  page = createHttpServer((req, res) => {
    if (req.url === "/client.js") {
      res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    } else {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end("<!doctype html><title>client</title>");
    }
  });
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  pageOrigin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  server = await createServer({
    workflows: { order: new OrderWorkflow(), approval: new ApprovalWorkflow({ timeout: null }) },
    token: "t0ken",
    cors: [pageOrigin],
  }).listen({ port: 0 });
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
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (page !== undefined) await new Promise((resolve) => page.close(resolve));
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it("runs in Chromium from another origin: stream, answer, result, and error codes", async (ctx) => {
  if (missing !== undefined) {
    if (process.env["CI"] === "true") throw new Error(`CI=true and ${missing}`);
    ctx.skip(missing);
  }
  const tab = await browser!.newPage();
  await tab.goto(`${pageOrigin}/`);
  // A string, not a function: vitest would rewrite a function's import() for Node.
  const script = `(async () => {
    const { WorkflowClient, WorkflowClientError } = await import(${JSON.stringify(`${pageOrigin}/client.js`)});
    const client = new WorkflowClient({ baseUrl: ${JSON.stringify(server.url)}, token: "t0ken" });
    const order = await client.run("order", { orderId: "b-1" });
    const orderEvents = [];
    for await (const ev of order.streamEvents()) orderEvents.push(ev.seq + " " + ev.type);
    const run = await client.run("approval", {});
    const seen = [];
    for await (const ev of run.streamEvents()) {
      seen.push(ev.type);
      if (ev.type === "Ask") await run.sendEvent({ type: "Answer", data: { ok: true } });
    }
    let code = "";
    try {
      await client.run("order", {});
    } catch (e) {
      if (e instanceof WorkflowClientError) code = e.status + " " + e.code;
    }
    return { orderEvents, orderResult: await order.result(), seen, result: await run.result(), code, node: typeof globalThis.process };
  })()`;
  const out: unknown = await tab.evaluate(script);
  expect(out).toEqual({
    orderEvents: ["0 Progress", "1 StopEvent"],
    orderResult: { orderId: "b-1", total: 10 },
    seen: ["Ask", "StopEvent"],
    result: "approved",
    code: "400 INVALID_INPUT",
    node: "undefined",
  });
});
