import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drawAllPossibleFlows, toMermaid } from "../src/index.js";
import { docsDrawings } from "../scripts/docs-drawings.js";

const dir = join(import.meta.dirname, "../../../docs/drawings");

describe("docs/drawings", () => {
  it.each(Object.entries(docsDrawings()))(
    "%s is up to date (regenerate with pnpm --filter @eventloom/draw render-docs)",
    (name, workflow) => {
      expect(readFileSync(join(dir, `${name}.html`), "utf8")).toBe(drawAllPossibleFlows(workflow));
      expect(readFileSync(join(dir, `${name}.mmd`), "utf8")).toBe(toMermaid(workflow));
    },
  );
});
