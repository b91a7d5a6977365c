// The "Inspector" page's sample: a real server with the inspector on 127.0.0.1, driven through
// the routes the page uses. The page itself is tested in Chromium by
// packages/server/test/inspector.e2e.test.ts. Needs the page built (`pnpm build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format } from "node:util";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

const built = existsSync(
  fileURLToPath(
    new URL("../node_modules/@eventloom/inspector/dist/page/index.html", import.meta.url),
  ),
);

it("inspector: serves the page, shows the waiting step and its schema, completes on the answer", async (ctx) => {
  if (!built) {
    const reason = "the inspector page is not built: run pnpm build first";
    if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
    ctx.skip(reason);
  }
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL("../examples/inspector.ts", import.meta.url).href);
  expect(log.mock.calls.map((args) => format(...args))).toEqual([
    "inspector at http://127.0.0.1:<port>/",
    "true",
    "review Approval [ 'approved', 'reviewer' ]",
    "[ 'completed', 'doc-1: published' ]",
    "[ '/', '/assets/index.css', '/assets/inspector.js' ] true",
    "[ 'start', 'review' ]",
  ]);
});
