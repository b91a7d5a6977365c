// The client runs in browsers: its sources import nothing Node-only.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const src = fileURLToPath(new URL("../src", import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith(".ts") ? [join(dir, d.name)] : [],
  );
}

it("imports only fetch-era globals and browser-safe packages (no node: modules, no process)", () => {
  for (const file of files(src)) {
    const text = readFileSync(file, "utf8");
    const imports = [...text.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1]);
    for (const spec of imports) {
      expect([file, spec]).toEqual([
        file,
        expect.stringMatching(
          /^(\.|@eventloom\/core$|@opentelemetry\/api$|rxjs$|eventsource-parser$)/,
        ),
      ]);
    }
    expect(text).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
  }
});
