/**
 * With no collector listening, the app still runs to the end, says so once, and leaves a local
 * trace file per run.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpanRecord } from "../src/span-record.js";
import { type AppRun, runApp, startedSpans } from "./support/run-app.js";

/** A port on 127.0.0.1 that nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let outDir: string;
let endpoint: string;
let run: AppRun;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "trade-monitor-offline-"));
  endpoint = `http://127.0.0.1:${await closedPort()}`;
  run = await runApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    TRADE_MONITOR_FAST: "1",
    TRADE_MONITOR_SEED: "11",
    TRADE_MONITOR_OUT_DIR: outDir,
  });
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function readTrace(runId: string): Promise<SpanRecord[]> {
  const text = await readFile(join(outDir, `trace-${runId}.json`), "utf8");
  return JSON.parse(text) as SpanRecord[];
}

function runIds(): string[] {
  return [...run.stdout.matchAll(/^ {3}run ([0-9a-f-]{36})$/gm)].map((m) => m[1]!);
}

describe("the trade monitor with no collector reachable", () => {
  it("runs both workflows to their final decision and exits 0", () => {
    expect(run.code).toBe(0);
    expect(run.lines.filter((l) => l.includes("Final decision:"))).toHaveLength(2);
  });

  it("says once that the collector is unreachable, with no stack trace", () => {
    const mentions = run.lines.filter((l) => /unreachable/i.test(l));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toContain(`${endpoint}/v1/traces`);
    expect(mentions[0]).toContain("ECONNREFUSED");
    expect(run.stderr).toBe("");
    expect(run.stdout).not.toMatch(/^\s+at /m);
  });

  it("writes one local trace file per run, holding the run span and every span started", async () => {
    const ids = runIds();
    expect(ids).toHaveLength(2);
    expect((await readdir(outDir)).filter((f) => f.startsWith("trace-")).sort()).toEqual(
      ids.map((id) => `trace-${id}.json`).sort(),
    );
    let total = 0;
    for (const id of ids) {
      const spans = await readTrace(id);
      total += spans.length;
      const runSpan = spans.find((s) => s.attributes["eventloom.run.id"] === id);
      expect(runSpan?.name).toMatch(/^invoke_workflow /);
      expect(runSpan?.parentSpanId).toBeNull();
      expect(runSpan?.attributes["eventloom.run.status"]).toBe("completed");
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([runSpan!.traceId]));
      expect(run.stdout).toContain(join(outDir, `trace-${id}.json`));
    }
    expect(total).toBe(startedSpans(run));
  });

  it("draws each run's path to a self-contained HTML page next to its trace", async () => {
    const [loop, complex] = runIds();
    const loopPage = await readFile(join(outDir, `run-${loop!}.html`), "utf8");
    const complexPage = await readFile(join(outDir, `run-${complex!}.html`), "utf8");
    for (const page of [loopPage, complexPage]) {
      expect(page).toMatch(/^<!doctype html>/i);
      expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/i);
    }
    expect(loopPage).toContain("getSentiment");
    expect(complexPage).toContain("tradingDecision");
    expect(run.stdout).toContain(join(outDir, `run-${complex!}.html`));
  });

  it("keeps the nested TradeStation run and the decision's links in the local file", async () => {
    const spans = await readTrace(runIds()[1]!);
    const caller = spans.find((s) => s.name === "invoke_workflow ComplexTradeMonitorV2")!;
    const trade = spans.find((s) => s.name === "step trade" && s.parentSpanId === caller.spanId)!;
    const station = spans.find((s) => s.name === "invoke_workflow TradeStation");
    expect(station?.parentSpanId).toBe(trade.spanId);
    const sentiment = spans
      .filter((s) => /^step (wsbSentiment|wsjSentiment|trendingPredict)$/.test(s.name))
      .map((s) => s.spanId)
      .sort();
    const deciding = spans.find((s) => s.spanId === trade.links[0]?.spanId);
    expect(deciding?.links.map((l) => l.spanId).sort()).toEqual(sentiment);
  });
});

describe("the trade monitor with a collector that rejects every export", () => {
  let failing: { endpoint: string; requests: number; close(): Promise<void> };
  let rejectedRun: AppRun;
  let rejectedOut: string;

  beforeAll(async () => {
    // Answers 500 (not retryable in OTLP/HTTP) to everything: the probe succeeds, exports fail.
    const server = createHttpServer((_req, res) => {
      failing.requests++;
      res.writeHead(500).end("no");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    failing = {
      endpoint: `http://127.0.0.1:${port}`,
      requests: 0,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
    rejectedOut = await mkdtemp(join(tmpdir(), "trade-monitor-rejected-"));
    rejectedRun = await runApp({
      OTEL_EXPORTER_OTLP_ENDPOINT: failing.endpoint,
      TRADE_MONITOR_FAST: "1",
      TRADE_MONITOR_SEED: "11",
      TRADE_MONITOR_OUT_DIR: rejectedOut,
    });
  });

  afterAll(async () => {
    await failing.close();
    await rm(rejectedOut, { recursive: true, force: true });
  });

  it("exits 0 and reports the failed delivery once, pointing at the local files", async () => {
    expect(rejectedRun.code).toBe(0);
    expect(rejectedRun.stderr).toBe("");
    expect(failing.requests).toBeGreaterThan(0);
    const reports = rejectedRun.lines.filter((l) => l.includes("did not take"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(`did not take ${startedSpans(rejectedRun)} spans`);
    expect(rejectedRun.lines.filter((l) => /unreachable/i.test(l))).toHaveLength(0);
    expect((await readdir(rejectedOut)).filter((f) => f.startsWith("trace-"))).toHaveLength(2);
  });
});
