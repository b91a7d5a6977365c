/**
 * When the output folder cannot be created, or a run fails, the app says what went wrong in one
 * line (no stack), and still prints its summary and writes (or lists) the traces it has.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpanRecord } from "../src/span-record.js";
import { runApp, startedSpans } from "./support/run-app.js";

/** A port on 127.0.0.1 that nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const STACK_LINE = /^\s+at /m;
let dir: string;
let endpoint: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trade-monitor-out-dir-"));
  endpoint = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the trade monitor when its output folder cannot be created", () => {
  it("says so in one line, still runs both workflows and prints the summary, and exits 1", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a folder\n");
    const outDir = join(file, "out");
    const run = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      TRADE_MONITOR_FAST: "1",
      TRADE_MONITOR_SEED: "5",
      TRADE_MONITOR_OUT_DIR: outDir,
    });

    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(STACK_LINE);
    const problems = run.stderr.split("\n").filter((l) => l.includes(outDir));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("ENOTDIR");
    expect(problems[0]).toContain("TRADE_MONITOR_OUT_DIR");
    // Both runs ran to the end, and the summary is there, with each run's trace id.
    expect(run.lines.filter((l) => l.includes("Final decision:"))).toHaveLength(2);
    expect(startedSpans(run)).toBeGreaterThan(0);
    expect(run.lines.filter((l) => /^ {3}\S+\s+trace [0-9a-f]{32}/.test(l))).toHaveLength(2);
    expect(run.stdout).not.toContain("local trace of run");
  });
});

describe("the trade monitor when a run fails", () => {
  it("says why in one line, writes the failed run's local trace, prints the summary, and exits 1", async () => {
    const outDir = join(dir, "failed-run");
    // 1 ms is too short for the first workflow: it times out.
    const run = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      TRADE_MONITOR_SEED: "5",
      TRADE_MONITOR_OUT_DIR: outDir,
      TRADE_MONITOR_TIMEOUT_MS: "1",
    });

    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(STACK_LINE);
    const failures = run.stderr.split("\n").filter((l) => l.includes("failed:"));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/TradeMonitorWorkflow failed: WorkflowTimeoutError: .*1 ms/);

    const runId = /^ {3}run ([0-9a-f-]{36})$/m.exec(run.stdout)![1]!;
    expect(run.stdout).toContain(
      `local trace of run ${runId}: ${join(outDir, `trace-${runId}.json`)}`,
    );
    const trace = JSON.parse(
      await readFile(join(outDir, `trace-${runId}.json`), "utf8"),
    ) as SpanRecord[];
    const root = trace.find((s) => s.name === "invoke_workflow TradeMonitorWorkflow");
    expect(root?.attributes["eventloom.run.status"]).toBe("timed_out");
    expect(startedSpans(run)).toBeGreaterThan(0);
  });
});
