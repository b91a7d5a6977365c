import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

const built = existsSync(fileURLToPath(new URL("../dist/page/index.html", import.meta.url)));

it.skipIf(!built && process.env["CI"] !== "true")(
  "runs the README's example: serves the page with its CSP and lays out the graph (needs `pnpm build`)",
  async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await import("./readme-example.js");
    expect(log.mock.calls).toEqual([
      [200, "text/html; charset=utf-8"],
      [["event Draft", "event StartEvent", "event StopEvent", "step publish", "step write"]],
    ]);
  },
);

it("is the same code as the README shows", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const file = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
  const block = /<!-- test\/readme-example\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(block?.[1]).toBe(file);
});
