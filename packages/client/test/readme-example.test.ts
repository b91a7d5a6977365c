import { readFileSync } from "node:fs";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

it("runs the README's example: a typed run, its stream, an answer, the result", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import("./readme-example.js");
  expect(log.mock.calls).toEqual([
    [0, "Question", { text: "refund 25 on o-7?" }],
    [1, "StopEvent", { result: "refunded" }],
    ["refunded"],
  ]);
});

it("is the same code as the README shows", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const file = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
  const block = /<!-- test\/readme-example\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(block?.[1]).toBe(file);
});
