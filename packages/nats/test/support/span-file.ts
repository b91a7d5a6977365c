// OpenTelemetry for the test's child processes: an SDK whose spans are appended, as they end, to
// a file as JSON lines (traceId, spanId, parentSpanId, name, pid), so the test can put one run's
// trace together across processes, even from a process killed with SIGKILL.
import { appendFileSync } from "node:fs";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";

/** One span as the file holds it. */
export interface SpanLine {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly pid: number;
}

class FileExporter implements SpanExporter {
  constructor(readonly path: string) {}
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    const lines = spans.map((s) => {
      const line: SpanLine = {
        traceId: s.spanContext().traceId,
        spanId: s.spanContext().spanId,
        parentSpanId: s.parentSpanContext?.spanId,
        name: s.name,
        pid: process.pid,
      };
      return `${JSON.stringify(line)}\n`;
    });
    // Synchronous, so nothing is lost when the process is killed right after.
    appendFileSync(this.path, lines.join(""));
    done({ code: 0 });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Registers the SDK globally (with a context manager, so spans nest) when `path` is set. */
export function traceToFile(path: string | undefined): void {
  if (path === undefined || path === "") return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new FileExporter(path))],
  });
  trace.setGlobalTracerProvider(provider);
}

/** Reads a span file written by {@link traceToFile}. */
export function readSpans(text: string): SpanLine[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as SpanLine);
}
