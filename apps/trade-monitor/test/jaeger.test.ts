/**
 * Against a real Jaeger (`docker compose up -d` in apps/trade-monitor): the app's traces land
 * in Jaeger under the service trade-monitor, with the nested run inside the caller's trace.
 * Jaeger's query API is at JAEGER_URL (default http://localhost:16686) and its OTLP/HTTP
 * receiver at JAEGER_OTLP_ENDPOINT (default: JAEGER_URL's host, port 4318). With no Jaeger
 * reachable, these tests report themselves as skipped.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { runApp, startedSpans } from "./support/run-app.js";

const JAEGER_URL = (process.env["JAEGER_URL"] ?? "http://localhost:16686").replace(/\/+$/, "");
const OTLP_ENDPOINT =
  process.env["JAEGER_OTLP_ENDPOINT"] ??
  (() => {
    const url = new URL(JAEGER_URL);
    url.port = "4318";
    return url.origin;
  })();

async function jaegerReachable(): Promise<boolean> {
  try {
    const res = await fetch(`${JAEGER_URL}/api/services`, { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

const reachable = await jaegerReachable();

interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  processID: string;
  references: { refType: string; traceID: string; spanID: string }[];
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`${JAEGER_URL}${path}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Jaeger indexes spans asynchronously after accepting them, so a trace appears in its query API
 * a moment later: ask again, a bounded number of times, until it holds `spans` spans.
 */
async function waitForTrace(traceId: string, spans: number): Promise<JaegerTrace> {
  let last: JaegerTrace | undefined;
  for (let attempt = 0; attempt < 40; attempt++) {
    try {
      const { data } = await getJson<{ data: JaegerTrace[] }>(`/api/traces/${traceId}`);
      last = data[0];
      if (last !== undefined && last.spans.length >= spans) return last;
    } catch {
      // not indexed yet
    }
    await delay(250);
  }
  throw new Error(`Jaeger has ${last?.spans.length ?? 0} of ${spans} spans of trace ${traceId}`);
}

describe("the trade monitor traced into a real Jaeger", () => {
  const outDirs: string[] = [];
  afterAll(async () => {
    for (const dir of outDirs) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!reachable)(
    "lands both runs in Jaeger under trade-monitor, the TradeStation run inside its caller",
    async () => {
      const outDir = await mkdtemp(join(tmpdir(), "trade-monitor-jaeger-"));
      outDirs.push(outDir);
      const run = await runApp({
        OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_ENDPOINT,
        TRADE_MONITOR_FAST: "1",
        TRADE_MONITOR_SEED: "3",
        TRADE_MONITOR_OUT_DIR: outDir,
      });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toMatch(/unreachable|did not take/);
      // The local trace files say how many spans each trace has.
      const runIds = [...run.stdout.matchAll(/^ {3}run ([0-9a-f-]{36})$/gm)].map((m) => m[1]!);
      expect(runIds).toHaveLength(2);
      const local = await Promise.all(
        runIds.map(
          async (id) =>
            JSON.parse(await readFile(join(outDir, `trace-${id}.json`), "utf8")) as {
              traceId: string;
            }[],
        ),
      );
      expect(local[0]!.length + local[1]!.length).toBe(startedSpans(run));
      const traceIds = local.map((spans) => spans[0]!.traceId);

      const full = [
        await waitForTrace(traceIds[0]!, local[0]!.length),
        await waitForTrace(traceIds[1]!, local[1]!.length),
      ];
      expect(full.map((t) => t.spans.length)).toEqual(local.map((spans) => spans.length));

      for (const trace of full) {
        const services = new Set(Object.values(trace.processes).map((p) => p.serviceName));
        expect(services).toEqual(new Set(["trade-monitor"]));
      }
      const complex = full[1]!;
      const byId = new Map(complex.spans.map((s) => [s.spanID, s]));
      const station = complex.spans.find((s) => s.operationName === "invoke_workflow TradeStation");
      const parentRef = station?.references.find((r) => r.refType === "CHILD_OF");
      expect(byId.get(parentRef?.spanID ?? "")?.operationName).toBe("step trade");

      // OTLP links arrive in Jaeger as FOLLOWS_FROM references: the deciding tradingDecision
      // span follows from the three sentiment steps.
      const sentiment = complex.spans
        .filter((s) => /^step (wsbSentiment|wsjSentiment|trendingPredict)$/.test(s.operationName))
        .map((s) => s.spanID)
        .sort();
      const deciding = complex.spans.filter(
        (s) =>
          s.operationName === "step tradingDecision" &&
          s.references.filter((r) => r.refType === "FOLLOWS_FROM").length === 3,
      );
      expect(deciding).toHaveLength(1);
      expect(
        deciding[0]!.references
          .filter((r) => r.refType === "FOLLOWS_FROM")
          .map((r) => r.spanID)
          .sort(),
      ).toEqual(sentiment);

      const search = await getJson<{ data: JaegerTrace[] }>(
        `/api/traces?service=trade-monitor&limit=50&lookback=1h`,
      );
      const found = new Set(search.data.map((t) => t.traceID));
      for (const id of traceIds) expect(found).toContain(id);
    },
  );
});
