/**
 * The built site, in a real browser: every page of the sidebar opens with its heading and no
 * console error, the local search finds a guide, and the home page and a guide are screenshotted
 * (docs/test/.out/*.png). Builds the site first when docs/.vitepress/dist is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const docs = fileURLToPath(new URL("..", import.meta.url));
const dist = join(docs, ".vitepress/dist");
const shots = join(docs, "test/.out");
const CHROMIUM = "/usr/bin/chromium";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** The file a URL path maps to, as a static host with VitePress's clean URLs serves it. */
function fileFor(urlPath: string): string | undefined {
  const path = normalize(decodeURIComponent(urlPath.split("?")[0]!)).replace(/^(\.\.[/\\])+/, "");
  const candidates = path.endsWith("/")
    ? [join(dist, path, "index.html")]
    : [join(dist, path), join(dist, `${path}.html`), join(dist, path, "index.html")];
  return candidates.find(
    (file) => file.startsWith(dist) && existsSync(file) && statSync(file).isFile(),
  );
}

function serve(): Promise<Server> {
  const server = createServer((req, res) => {
    const file = fileFor(req.url ?? "/");
    if (file === undefined) {
      res.writeHead(404, { "content-type": TYPES[".html"] });
      res.end(readFileSync(join(dist, "404.html")));
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)`,
    );
  }
  if (!existsSync(join(dist, "index.html"))) {
    execFileSync("pnpm", ["run", "build"], { cwd: docs, stdio: "inherit" });
  }
  mkdirSync(shots, { recursive: true });
  server = await serve();
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** A page that records console errors, uncaught exceptions and failed requests. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()} (${page.url()})`);
  });
  page.on("pageerror", (error) => problems.push(`exception: ${error.message} (${page.url()})`));
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return { page, problems };
}

/** The page's h1, without VitePress's zero-width header anchor. */
async function heading(page: Page): Promise<string> {
  const h1 = page.locator("h1").first();
  await h1.waitFor();
  return (await h1.innerText()).replace(/[\u200b#]/g, "").trim();
}

/** The links of the sidebar on the page at `path`, as [text, href]. */
async function sidebarLinks(page: Page, path: string): Promise<[string, string][]> {
  await page.goto(base + path);
  await page.locator(".VPSidebar a.VPLink").first().waitFor({ state: "attached" });
  return page.$$eval(".VPSidebar a.VPLink", (links) =>
    links.map((a): [string, string] => [
      (a.textContent ?? "").trim(),
      new URL((a as HTMLAnchorElement).href).pathname,
    ]),
  );
}

describe("the docs site", () => {
  it("shows the home page with its hero, and a screenshot of it", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${base}/`);
    expect(await heading(page)).toContain("Eventloom");
    await page.locator(".VPHero .VPButton", { hasText: "Get started" }).waitFor();
    await page.screenshot({ path: join(shots, "home.png") });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("opens every guide page of the sidebar, each with its own heading and no console error", async () => {
    const { page, problems } = await openPage();
    const links = await sidebarLinks(page, "/guide/getting-started");
    expect(links.map(([text]) => text)).toEqual(
      expect.arrayContaining([
        "Getting started",
        "Streaming",
        "Tracing in Jaeger",
        "API reference",
      ]),
    );
    expect(links.length).toBeGreaterThanOrEqual(18);
    for (const [text, path] of links) {
      await page.goto(base + path);
      expect(await heading(page), path).toBe(text);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("opens every page of the API sidebar, each headed by its export", async () => {
    const { page, problems } = await openPage();
    const links = await sidebarLinks(page, "/api/");
    const paths = links.map(([, path]) => path);
    for (const pkg of ["core", "retry", "services", "draw"]) {
      expect(paths).toContain(`/api/@eventloom/${pkg}/`);
    }
    expect(paths).toEqual(
      expect.arrayContaining([
        "/api/@eventloom/core/classes/Workflow",
        "/api/@eventloom/core/functions/step",
        "/api/@eventloom/retry/functions/exponentialBackoff",
      ]),
    );
    // Through the client-side router, as a reader clicking through the reference would.
    for (const [text, path] of links) {
      await page.evaluate((href) => {
        const a = document.createElement("a");
        a.href = href;
        document.body.append(a);
        a.click();
        a.remove();
      }, path);
      await page
        .waitForFunction(
          ([p, t]) =>
            location.pathname === p &&
            (document.querySelector("h1")?.textContent ?? "").includes(t),
          [path, text] as const,
          { timeout: 10_000 },
        )
        .catch(() => undefined);
      expect(new URL(page.url()).pathname).toBe(path);
      expect(await heading(page), path).toContain(text);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it("embeds the workflow drawings, which load and draw", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${base}/guide/drawing`);
    const frame = page.frameLocator('iframe[src="/drawings/complex-trade-monitor.html"]');
    await frame.locator("svg", { hasText: "tradingDecision" }).first().waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the published benchmark table from bench/README.md", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${base}/benchmarks`);
    const header = page.locator(".bench-results table th", { hasText: "@eventloom/core" });
    const fallback = page.locator(".bench-results", { hasText: "No published run yet" });
    const published =
      existsSync(join(docs, "../bench/README.md")) &&
      readFileSync(join(docs, "../bench/README.md"), "utf8").includes("## One run");
    await (published ? header : fallback).first().waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it("finds a guide with the local search and opens it", async () => {
    const { page, problems } = await openPage();
    await page.goto(`${base}/`);
    await page.locator(".VPNavBarSearch button").click();
    await page.locator("#localsearch-input").fill("collectEvents");
    const result = page.locator("#localsearch-list a", { hasText: "Concurrency" }).first();
    await result.waitFor();
    await result.click();
    await page.waitForURL(/\/guide\/concurrency/);
    expect(await heading(page)).toBe("Concurrency");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows a guide with its sidebar, code and outline, and a screenshot of it", async () => {
    const { page, problems } = await openPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${base}/guide/streaming`);
    expect(await heading(page)).toBe("Streaming");
    await page.locator(".VPDocAsideOutline a", { hasText: "RxJS" }).waitFor();
    await page.screenshot({ path: join(shots, "guide.png") });
    expect(problems).toEqual([]);
    await page.close();
  });
});
