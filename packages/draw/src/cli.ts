#!/usr/bin/env node
/**
 * `eventloom-draw <module> <exportName> [--out flow.html] [--mermaid]`: imports a module, takes
 * the named export (a workflow class or instance) and writes its drawing.
 */
import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Workflow } from "@eventloom/core";
import { drawAllPossibleFlows } from "./draw-all-possible-flows.js";
import { toMermaid } from "./to-mermaid.js";

const USAGE = `Usage: eventloom-draw <module> <exportName> [--out <file>] [--mermaid]

Draws every possible flow of a workflow as one self-contained HTML page.

  <module>      a file (./src/workflows.ts, compiled .js, or with tsx) or a package name
  <exportName>  the export holding a Workflow class or instance ("default" for a default export)
  --out <file>  where to write; default <exportName>.html (or .mmd with --mermaid); "-" for stdout
  --mermaid     write Mermaid flowchart text instead of HTML
  --help        show this help`;

class UsageError extends Error {
  override readonly name = "UsageError";
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        mermaid: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new UsageError(
      positionals.length < 2
        ? "expected a module and an export name"
        : `too many arguments: ${positionals.slice(2).join(" ")}`,
    );
  }
  const [specifier, exportName] = positionals as [string, string];
  const workflow = findWorkflow(await importModule(specifier), exportName, specifier);
  const text = values.mermaid ? toMermaid(workflow) : drawAllPossibleFlows(workflow);
  const out = values.out ?? `${exportName}.${values.mermaid ? "mmd" : "html"}`;
  if (out === "-") {
    process.stdout.write(text);
  } else {
    writeFileSync(out, text);
    process.stdout.write(`Wrote ${out}\n`);
  }
  return 0;
}

async function importModule(specifier: string): Promise<Record<string, unknown>> {
  const path = resolve(specifier);
  const target = existsSync(path) ? pathToFileURL(path).href : specifier;
  try {
    return (await import(target)) as Record<string, unknown>;
  } catch (e) {
    const hint = /\.tsx?$/.test(specifier)
      ? " (to load TypeScript, run with tsx: npx tsx node_modules/.bin/eventloom-draw ..., or node --import tsx)"
      : "";
    throw new Error(`could not import ${specifier}: ${(e as Error).message}${hint}`, { cause: e });
  }
}

function findWorkflow(
  module: Record<string, unknown>,
  exportName: string,
  specifier: string,
): Workflow | (new () => Workflow) {
  const isWorkflow = (v: unknown): v is Workflow | (new () => Workflow) =>
    v instanceof Workflow || (typeof v === "function" && v.prototype instanceof Workflow);
  const candidates = Object.keys(module).filter((k) => isWorkflow(module[k]));
  const known =
    candidates.length > 0 ? `workflow exports: ${candidates.join(", ")}` : "it exports no workflow";
  if (!Object.hasOwn(module, exportName)) {
    throw new Error(`${specifier} has no export named "${exportName}" (${known})`);
  }
  const value = module[exportName];
  if (!isWorkflow(value)) {
    throw new Error(
      `${specifier} exports "${exportName}", but it is not a Workflow class or instance (${known})`,
    );
  }
  return value;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`eventloom-draw: ${e.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`eventloom-draw: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
