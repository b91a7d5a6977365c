import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { drawAllPossibleFlows, toMermaid } from "../src/index.js";
import { ComplexTradeMonitor } from "./fixtures/seed-workflows.js";

const packageDir = join(import.meta.dirname, "..");
const fixture = "test/fixtures/seed-workflows.ts";

/** Runs the CLI from source the way a TypeScript user would: node with tsx. */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@eventloom/source", "--import", "tsx", "src/cli.ts", ...args],
      { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("eventloom-draw CLI", () => {
  it("writes the HTML drawing of an exported workflow class to --out", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "draw-cli-")), "flow.html");
    const r = await cli(fixture, "ComplexTradeMonitor", "--out", out);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(`Wrote ${out}\n`);
    expect(readFileSync(out, "utf8")).toBe(drawAllPossibleFlows(ComplexTradeMonitor));
  });

  it("prints Mermaid text with --mermaid --out -", async () => {
    const r = await cli(fixture, "ComplexTradeMonitor", "--mermaid", "--out", "-");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(toMermaid(ComplexTradeMonitor));
  });

  it("exits 2 with the usage when arguments are missing or unknown", async () => {
    const missing = await cli(fixture);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("expected a module and an export name");
    expect(missing.stderr).toContain("Usage: eventloom-draw <module> <exportName>");
    const unknown = await cli(fixture, "ComplexTradeMonitor", "--png");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--png");
  });

  it("exits 1 naming the workflow exports when the export is missing or not a workflow", async () => {
    const missing = await cli(fixture, "NoSuchWorkflow");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('has no export named "NoSuchWorkflow"');
    expect(missing.stderr).toContain("ComplexTradeMonitor");
    const notWorkflow = await cli(fixture, "XSS");
    expect(notWorkflow.code).toBe(1);
    expect(notWorkflow.stderr).toContain(
      'exports "XSS", but it is not a Workflow class or instance',
    );
  });

  it("exits 1 when the module cannot be imported", async () => {
    const r = await cli("./no/such/module.js", "Flow");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not import ./no/such/module.js");
  });
});
