import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import { loadInspectorAssets } from "../../src/internal/load-assets.js";
import type { InspectorPageAssets, InspectorAssetsOptions } from "../../src/index.js";

let built: Promise<string> | undefined;

/**
 * Builds the page from the current sources into a temporary folder once per test file, so the
 * tests never read a stale dist/ and never race another process that rebuilds it.
 */
export function buildPage(): Promise<string> {
  built ??= (async () => {
    const outDir = mkdtempSync(join(tmpdir(), "eventloom-inspector-page-"));
    await build({
      configFile: fileURLToPath(new URL("../../vite.config.ts", import.meta.url)),
      logLevel: "error",
      build: { outDir, emptyOutDir: true },
    });
    return `${outDir}/`;
  })();
  return built;
}

export async function testAssets(
  options: InspectorAssetsOptions = {},
): Promise<InspectorPageAssets> {
  return loadInspectorAssets(await buildPage(), options);
}
