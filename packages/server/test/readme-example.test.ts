import { readFileSync } from "node:fs";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

it("runs the README's example: a run over HTTP with ?wait=true, and a refused input", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import("./readme-example.js");
  expect(log.mock.calls).toEqual([
    [
      200,
      {
        runId: expect.any(String),
        workflow: "order",
        status: "completed",
        result: "o-1 shipped for 42",
      },
    ],
    [400, "INVALID_INPUT"],
  ]);
});

it("is the same code as the README shows", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const file = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
  const block = /<!-- test\/readme-example\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(block?.[1]).toBe(file);
});
