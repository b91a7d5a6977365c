// The README's example is this package's test/readme-example.ts, character for character (it runs
// in readme-example.test.ts). Needs no service.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

it("is the same code as the README shows", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const file = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
  const block = /<!-- test\/readme-example\.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme);
  expect(block?.[1]).toBe(file);
});
