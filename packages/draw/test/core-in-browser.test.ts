/**
 * Core in a browser (issue 17, defect 6): a small workflow bundled with Vite in production mode
 * (minified) and run in Debian's Chromium: the default run timeout, a retry, a fan-in and
 * streaming, results read back from the page.
 *
 * It lives here, not in packages/core/test/browser/, because core has neither `playwright-core`
 * nor `vite` as devDependencies yet.
 */
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { type Rollup, build, defaultClientConditions } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/browser.js";

const ENTRY = fileURLToPath(new URL("./fixtures/core-in-browser/page.ts", import.meta.url));

/** The page's script: one minified IIFE, in memory. */
async function bundlePage(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: "silent",
    mode: "production",
    // The workspace's packages resolve to their sources, as in the tests.
    resolve: { conditions: ["@eventloom/source", ...defaultClientConditions] },
    build: {
      write: false,
      minify: true,
      target: "es2022",
      lib: { entry: ENTRY, formats: ["iife"], name: "eventloomPage", fileName: "page" },
    },
  })) as Rollup.RollupOutput[];
  const chunk = output[0]!.output.find((o): o is Rollup.OutputChunk => o.type === "chunk");
  return chunk!.code;
}

let browser: Browser;
let script: string;
beforeAll(async () => {
  [browser, script] = await Promise.all([launchChromium(), bundlePage()]);
});
afterAll(async () => {
  await browser?.close();
});

describe("@eventloom/core in Chromium, bundled and minified by Vite", () => {
  it("runs a workflow with the default timeout, a retry, a fan-in and a stream, and settles", async () => {
    // The classes' names are gone: the events are known by their typeName.
    expect(script).not.toContain("class BrowserDesk");
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.setContent("<!doctype html><title>eventloom</title>");
    await page.addScriptTag({ content: script });
    const results = await page.evaluate(() =>
      Promise.race([
        (globalThis as { eventloomResults?: Promise<unknown> }).eventloomResults,
        new Promise((resolve) =>
          setTimeout(() => resolve({ error: "did not settle in 10 s" }), 10_000),
        ),
      ]),
    );
    expect({ results, errors }).toEqual({
      errors: [],
      results: {
        result: { mean: 13, sources: ["a", "b", "c", "flaky"] },
        again: { mean: 13, sources: ["a", "b", "c", "flaky"] },
        streamed: ["asking three sources", "collected 4", "StopEvent"],
        attempts: 3,
        status: "completed",
      },
    });
    await page.close();
  });
});
