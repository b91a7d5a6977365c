import { readFileSync } from "node:fs";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

it("runs the README's example: it streams the progress event and the stop event, then prints the result", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import("./quick-start.js");
  expect(log.mock.calls).toEqual([
    [{ type: "Progress", data: { message: "greeting Ada" } }],
    [{ type: "StopEvent", data: { result: "HELLO, ADA!" } }],
    ["HELLO, ADA!"],
  ]);
});

it("is the same code as the README shows", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const file = readFileSync(new URL("./quick-start.ts", import.meta.url), "utf8");
  const block = /<!-- examples\/quick-start\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(block?.[1]).toBe(file);
});
