/**
 * The demo is durable by default: every run is journaled to SQLite in the output folder, the
 * last one (an OrderApproval) is left waiting for the trader when the process ends, and a new
 * process answers it with --approve / --reject.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { readConfig } from "../src/config.js";
import { type AppRun, runApp } from "./support/run-app.js";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trade-monitor-journal-"));
  env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    TRADE_MONITOR_FAST: "1",
    TRADE_MONITOR_SEED: "5",
    // The lease a dead process's claim keeps (core's default is 10 s): short, so the second
    // process takes the waiting run over at once.
    TRADE_MONITOR_CLAIM_MS: "300",
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runsIn(path: string) {
  const journal = sqliteJournal({ path });
  try {
    return await journal.listRuns();
  } finally {
    await journal.close();
  }
}

describe("the demo journaled to SQLite (the default)", () => {
  let outDir: string;
  let first: AppRun;
  let waitingId: string;

  beforeAll(async () => {
    outDir = join(dir, "default");
    first = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir });
    waitingId = /--approve (\S+)/.exec(first.stdout)?.[1] ?? "";
  });

  it("journals every run to <out>/trade-monitor.db and leaves the approval waiting", async () => {
    expect(first.code, first.stderr).toBe(0);
    const db = join(outDir, "trade-monitor.db");
    expect(first.stdout).toContain(`journal: every run is written to ${db}`);
    expect(first.lines.filter((l) => l.includes("Final decision:"))).toHaveLength(2);
    expect(existsSync(db)).toBe(true);
    const runs = await runsIn(db);
    expect(runs.map((r) => [r.workflow, r.status]).sort()).toEqual([
      ["ComplexTradeMonitorV2", "completed"],
      ["OrderApproval", "running"],
      ["TradeMonitorWorkflow", "completed"],
    ]);
    expect(runs.find((r) => r.workflow === "OrderApproval")?.runId).toBe(waitingId);
    expect(first.stdout).toContain(`pnpm demo -- --reject ${waitingId}`);
    expect(first.stdout).toContain(`waiting for the trader: ${waitingId}`);
    expect(first.stdout).toMatch(/3 runs journaled by this process, 3 in the file/);
  });

  it("answers the waiting run from a new process with --approve, once", async () => {
    const second = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir }, [
      "--approve",
      waitingId,
    ]);
    expect(second.code, second.stderr).toBe(0);
    // The stream is replayed from the journal: the proposal the first process made is there.
    expect(second.stdout).toMatch(/OrderApproval\.propose\s+proposes to (buy|sell|hold) NVDA/);
    expect(second.stdout).toMatch(/Approved: the order to (buy|sell|hold) NVDA goes ahead\./);
    const runs = await runsIn(join(outDir, "trade-monitor.db"));
    expect(runs.find((r) => r.runId === waitingId)?.status).toBe("completed");

    const third = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir }, ["--reject", waitingId]);
    expect(third.code).toBe(1);
    expect(third.stdout).toContain("It had been answered already: approved");
  });

  it("names an unknown run id and what waits instead", async () => {
    const run = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir }, ["--approve", "no-such"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("The journal has no OrderApproval run no-such");
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });
});

describe("--crash-after N, then --resume", () => {
  it("kills itself with SIGKILL mid-run; a new process recovers the run from the journal and finishes it", async () => {
    const outDir = join(dir, "crash");
    const crashed = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir }, [
      "--crash-after",
      "12",
    ]);
    expect(crashed.signal).toBe("SIGKILL");
    expect(crashed.stdout).toContain("--crash-after 12: killing this process with SIGKILL now");
    expect(crashed.lines.filter((l) => l.includes("Final decision:"))).toHaveLength(1);
    const db = join(outDir, "trade-monitor.db");
    const unfinished = (await runsIn(db)).filter((r) => r.status === "running");
    expect(unfinished.map((r) => r.workflow)).toEqual(["ComplexTradeMonitorV2"]);

    const resumed = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir }, ["--resume"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(
      `Resuming ComplexTradeMonitorV2 run ${unfinished[0]!.runId} from the journal`,
    );
    // The stream from its start: what the killed process had shown, then the rest.
    expect(resumed.stdout).toMatch(/ComplexTradeMonitorV2\.start\s+Asking three sources/);
    expect(resumed.lines.filter((l) => l.includes("Final decision:"))).toHaveLength(1);
    expect((await runsIn(db)).every((r) => r.status === "completed")).toBe(true);
  });
});

describe("the demo without a journal", () => {
  it("runs both workflows unjournaled with --no-journal, and skips the approval", async () => {
    const outDir = join(dir, "off");
    const run = await runApp({ ...env, TRADE_MONITOR_OUT_DIR: outDir }, ["--no-journal"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.lines.filter((l) => l.includes("Final decision:"))).toHaveLength(2);
    expect(run.stdout).not.toContain("OrderApproval");
    expect(run.lines).not.toContain("Journal");
    expect(run.stdout).not.toContain("trade-monitor.db");
    expect(existsSync(join(outDir, "trade-monitor.db"))).toBe(false);
  });
});

describe("the journal options", () => {
  it("defaults to <out>/trade-monitor.db; --journal, TRADE_MONITOR_JOURNAL and off choose", () => {
    expect(readConfig(["--out", "/tmp/x"], {}).journalPath).toBe("/tmp/x/trade-monitor.db");
    expect(readConfig(["--journal", "/tmp/j.db"], {}).journalPath).toBe("/tmp/j.db");
    expect(readConfig([], { TRADE_MONITOR_JOURNAL: "/tmp/e.db" }).journalPath).toBe("/tmp/e.db");
    expect(readConfig([], { TRADE_MONITOR_JOURNAL: "off" }).journalPath).toBeNull();
    expect(readConfig(["--no-journal"], {}).journalPath).toBeNull();
    expect(readConfig(["--approve", "r1"], {}).answer).toEqual({ runId: "r1", approved: true });
    expect(readConfig(["--reject", "r1"], {}).answer).toEqual({ runId: "r1", approved: false });
  });

  it("rejects contradictions with the usage", () => {
    expect(() => readConfig(["--journal", "a.db", "--no-journal"], {})).toThrow(/contradict/);
    expect(() => readConfig(["--approve", "a", "--reject", "b"], {})).toThrow(/contradict/);
    expect(() => readConfig(["--approve", "a", "--no-journal"], {})).toThrow(/needs the journal/);
  });
});
