// Bundles takeover-worker.ts (with core and this package from source) into one ES module, so
// that each of the test's worker processes starts with plain `node` (under tsx every start
// transpiles again and costs seconds on a loaded machine). esbuild is tsx's own, reached
// through tsx, so no new dependency is needed; pg stays outside the bundle, by absolute path.
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The part of esbuild's API used here (its types are not a dependency of this package). */
interface Esbuild {
  build(options: {
    entryPoints: string[];
    bundle: boolean;
    platform: "node";
    format: "esm";
    target: string;
    conditions: string[];
    outfile: string;
    logLevel: "warning";
    plugins: {
      name: string;
      setup(build: {
        onResolve(
          options: { filter: RegExp },
          callback: () => { path: string; external: boolean },
        ): void;
      }): void;
    }[];
  }): Promise<unknown>;
}

/** Writes the bundle into `dir` and gives its path. */
export async function bundleTakeoverWorker(dir: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve("tsx"))("esbuild") as Esbuild;
  const pg = require.resolve("pg");
  const outfile = join(dir, "takeover-worker.mjs");
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./takeover-worker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@eventloom/source"],
    outfile,
    logLevel: "warning",
    plugins: [
      {
        name: "pg-by-path",
        setup(build) {
          build.onResolve({ filter: /^pg$/ }, () => ({ path: pg, external: true }));
        },
      },
    ],
  });
  return outfile;
}
