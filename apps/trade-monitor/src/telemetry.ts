import type { Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { type CollectorState, probeCollector } from "./collector-probe.js";
import { type SpanRecord, toSpanRecord } from "./span-record.js";

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** The resource's `service.name`. */
  readonly serviceName: string;
  /** Where OTLP/HTTP traces go, e.g. `http://localhost:4318/v1/traces`. */
  readonly tracesUrl: string;
  /** How long the collector probe may take; default 500 ms. */
  readonly probeTimeoutMs?: number;
}

/** What happened to the spans of a process, once {@link Telemetry.shutdown} has flushed them. */
export interface TelemetrySummary {
  /** Spans started (and recorded) by the SDK. */
  readonly started: number;
  /** Spans ended. */
  readonly ended: number;
  /** Spans the collector accepted. */
  readonly exported: number;
  /** Spans sent to the collector that it did not accept. */
  readonly failed: number;
  /** Why the first failed export failed. */
  readonly failure: string | undefined;
}

/** The process's OpenTelemetry SDK: OTLP/HTTP to a collector if one answers, and a local copy. */
export interface Telemetry {
  readonly tracesUrl: string;
  /** What the probe at start found. */
  readonly collector: CollectorState;
  /** Every span finished so far, as JSON. */
  finishedSpans(): SpanRecord[];
  /** Flushes every span (OTLP included) and stops the SDK. */
  shutdown(): Promise<TelemetrySummary>;
}

type ExportResult = Parameters<Parameters<SpanExporter["export"]>[1]>[0];
/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
const EXPORT_SUCCESS = 0;

/** Counts spans as they start and end, so the app can say whether every span was delivered. */
class SpanCounter implements SpanProcessor {
  started = 0;
  ended = 0;
  onStart(_span: Span, _parentContext: Context): void {
    this.started++;
  }
  onEnd(_span: ReadableSpan): void {
    this.ended++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Wraps the OTLP exporter to count delivered and failed spans and keep the first failure's
 * reason: the app reports a collector that went away once, at the end, instead of logging every
 * failed batch.
 */
class CountingExporter implements SpanExporter {
  exported = 0;
  failed = 0;
  failure: string | undefined;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === EXPORT_SUCCESS) {
        this.exported += spans.length;
      } else {
        this.failed += spans.length;
        this.failure ??= describeError(result.error);
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined ? error.message || error.name : `${code} ${error.message}`.trim();
  }
  return error === undefined ? "unknown error" : String(error);
}

/**
 * Starts the OpenTelemetry NodeSDK for this process: an AsyncLocalStorage context manager (so
 * nested runs and the trader's spans find their parents), every span kept in memory for the
 * local trace file, and, when the probe finds a collector at `tracesUrl`, the OTLP/HTTP
 * exporter. No metrics or logs pipelines are started: this app only traces.
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const collector = await probeCollector(options.tracesUrl, options.probeTimeoutMs);
  const counter = new SpanCounter();
  const local = new InMemorySpanExporter();
  const localProcessor = new SimpleSpanProcessor(local);
  const otlp = collector.reachable
    ? new CountingExporter(new OTLPTraceExporter({ url: options.tracesUrl }))
    : undefined;
  const spanProcessors: SpanProcessor[] = [counter, localProcessor];
  if (otlp !== undefined) spanProcessors.push(new BatchSpanProcessor(otlp));

  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    contextManager: new AsyncLocalStorageContextManager(),
    spanProcessors,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();

  let snapshot: SpanRecord[] | undefined;
  return {
    tracesUrl: options.tracesUrl,
    collector,
    finishedSpans: () => snapshot ?? local.getFinishedSpans().map(toSpanRecord),
    async shutdown() {
      // The in-memory exporter forgets its spans at shutdown: keep them for finishedSpans().
      await localProcessor.forceFlush();
      snapshot = local.getFinishedSpans().map(toSpanRecord);
      // A failed final export rejects the flush; the exporter has counted it, and the app
      // reports it once from the summary, so it must not surface as a crash here.
      let shutdownFailure: string | undefined;
      await sdk.shutdown().catch((error: unknown) => {
        shutdownFailure = describeError(error);
      });
      return {
        started: counter.started,
        ended: counter.ended,
        exported: otlp?.exported ?? 0,
        failed: otlp?.failed ?? 0,
        failure: otlp?.failure ?? shutdownFailure,
      };
    },
  };
}
