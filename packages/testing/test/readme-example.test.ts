// The README's examples: the first one's tests run here, and both are the code the README shows.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import "./readme-example.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

for (const file of ["readme-example.ts", "journal-conformance.test.ts"]) {
  it(`shows test/${file} as it is`, () => {
    const code = readFileSync(new URL(`./${file}`, import.meta.url), "utf8");
    const marker = `<!-- test/${file} -->`;
    const at = readme.indexOf(marker);
    expect(at, `README has no ${marker}`).toBeGreaterThanOrEqual(0);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
    expect(block?.[1]).toBe(code);
  });
}
