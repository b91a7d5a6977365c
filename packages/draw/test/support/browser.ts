import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";

/** Debian's Chromium, launched the way TOOLCHAIN.md says. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
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
}

/** What a page did while it was open: requests other than its own file, console errors, dialogs. */
export interface PageWatch {
  readonly page: Page;
  readonly url: string;
  /** Every request the page made besides loading its own file, whether routed or not. */
  readonly requests: string[];
  /** Requests the route aborted. */
  readonly blockedRequests: string[];
  readonly consoleErrors: string[];
  readonly dialogs: string[];
}

/**
 * Writes `html` to a temporary file and opens it with every network request blocked: the page's
 * own file is the only request allowed, everything else is aborted and recorded.
 */
export async function openOffline(
  browser: Browser,
  html: string,
  name: string,
): Promise<PageWatch> {
  const dir = mkdtempSync(join(tmpdir(), "eventloom-draw-"));
  const file = join(dir, `${name}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
  const watch: PageWatch = {
    page,
    url,
    requests: [],
    blockedRequests: [],
    consoleErrors: [],
    dialogs: [],
  };
  page.on("request", (r) => {
    if (r.url() !== url) watch.requests.push(r.url());
  });
  await page.route("**/*", (route) => {
    if (route.request().url() === url) return route.continue();
    watch.blockedRequests.push(route.request().url());
    return route.abort();
  });
  page.on("console", (m) => {
    if (m.type() === "error") watch.consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => watch.consoleErrors.push(e.message));
  page.on("dialog", (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
  return watch;
}

/** Where screenshots go (git-ignored); look at them after a run. */
export function screenshotPath(name: string): string {
  const dir = join(import.meta.dirname, "../../.out/screenshots");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}
