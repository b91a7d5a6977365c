import { mkdirSync } from "node:fs";
import { join } from "node:path";
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

/** What a page did: every request's URL, console errors and page errors, dialogs, CSP reports. */
export interface PageWatch {
  readonly page: Page;
  readonly requests: string[];
  readonly errors: string[];
  readonly dialogs: string[];
}

export async function openPage(browser: Browser, url: string): Promise<PageWatch> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const watch: PageWatch = { page, requests: [], errors: [], dialogs: [] };
  page.on("request", (r) => watch.requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") watch.errors.push(m.text());
  });
  page.on("pageerror", (e) => watch.errors.push(e.message));
  page.on("dialog", (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  return watch;
}

/** Where screenshots go (git-ignored .out/); look at them after a run. */
export function screenshotPath(name: string): string {
  const dir = join(import.meta.dirname, "../../../../.out/screenshots");
  mkdirSync(dir, { recursive: true });
  return join(dir, `inspector-${name}.png`);
}
