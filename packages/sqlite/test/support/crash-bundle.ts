// Bundles crash-child.ts (with core and this package from source) into one ES module, so that
// each of the crash test's 21 processes starts with plain `node`: under tsx every start
// transpiles again and costs seconds on a loaded machine. esbuild is tsx's own (tsx compiles
// the same way), reached through tsx so that no new dependency is needed.
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
export async function bundleCrashChild(dir: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve("tsx"))("esbuild") as Esbuild;
  // The native module stays outside the bundle, imported by its absolute path (the bundle
  // lives in a temp folder, where "better-sqlite3" would not resolve).
  const sqlite = require.resolve("better-sqlite3");
  const outfile = join(dir, "crash-child.mjs");
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("./crash-child.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@eventloom/source"],
    outfile,
    logLevel: "warning",
    plugins: [
      {
        name: "better-sqlite3-by-path",
        setup(build) {
          build.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }));
        },
      },
    ],
  });
  return outfile;
}
