import { readFileSync } from "node:fs";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

it("runs the README's example: the stream shows each step's progress, then the run resolves", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import("./readme-example.js");
  expect(log.mock.calls).toEqual([
    ["outlining workflows"],
    ["polishing"],
    ["WORKFLOWS: EVENTS IN, EVENTS OUT"],
  ]);
});

it("is the same code as the README shows", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const file = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
  const block = /<!-- test\/readme-example\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(block?.[1]).toBe(file);
});
