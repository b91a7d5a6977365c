/**
 * A real OpenTelemetry SDK for tracing tests: a `BasicTracerProvider` with an in-memory exporter,
 * a processor that counts spans started and ended, and a diag logger that records every warning
 * and error (the SDK reports a second `end()` of a span there).
 */
import {
  type Context as OtelContext,
  type DiagLogger,
  DiagLogLevel,
  type Tracer,
  context,
  diag,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/**
 * Counts spans started and ended; the open ones are those started and not yet ended, keyed by
 * name and span id.
 */
export class OpenSpanCounter implements SpanProcessor {
  started = 0;
  ended = 0;
  /** Open spans: `"<name> <spanId>"` to span id. */
  readonly open = new Map<string, string>();
  /** The parent span id of every span started. */
  private readonly parents = new Map<string, string | undefined>();
  /** The span id of each run span, by `eventloom.run.id`. */
  private readonly runSpans = new Map<string, string>();

  onStart(span: Span, _parent: OtelContext): void {
    this.started++;
    const id = span.spanContext().spanId;
    this.open.set(`${span.name} ${id}`, id);
    this.parents.set(id, span.parentSpanContext?.spanId);
    const runId = span.attributes["eventloom.run.id"];
    if (typeof runId === "string") this.runSpans.set(runId, id);
  }
  onEnd(span: ReadableSpan): void {
    this.ended++;
    this.open.delete(`${span.name} ${span.spanContext().spanId}`);
  }

  /** How many spans of this run (its run span and every span under it) are open. */
  openInRun(runId: string): number {
    const root = this.runSpans.get(runId);
    if (root === undefined) throw new Error(`no run span was started for run ${runId}`);
    let n = 0;
    for (const id of this.open.values()) {
      for (let at: string | undefined = id; at !== undefined; at = this.parents.get(at)) {
        if (at === root) {
          n++;
          break;
        }
      }
    }
    return n;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Records diag output at WARN and above. */
export class DiagRecorder implements DiagLogger {
  readonly errors: unknown[][] = [];
  readonly warnings: unknown[][] = [];
  error(...args: unknown[]): void {
    this.errors.push(args);
  }
  warn(...args: unknown[]): void {
    this.warnings.push(args);
  }
  info(): void {}
  debug(): void {}
  verbose(): void {}
  /** Returns what was recorded so far and forgets it. */
  take(): { errors: unknown[][]; warnings: unknown[][] } {
    const out = { errors: this.errors.splice(0), warnings: this.warnings.splice(0) };
    return out;
  }
}

export interface TraceHarness {
  readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  readonly exporter: InMemorySpanExporter;
  readonly counter: OpenSpanCounter;
  /** Finished spans, in end order. */
  spans(): ReadableSpan[];
  /** The finished spans with this name. */
  named(name: string): ReadableSpan[];
  /** The one finished span with this name (throws unless exactly one). */
  one(name: string): ReadableSpan;
}

export function traceHarness(): TraceHarness {
  const exporter = new InMemorySpanExporter();
  const counter = new OpenSpanCounter();
  const provider = new BasicTracerProvider({
    spanProcessors: [counter, new SimpleSpanProcessor(exporter)],
  });
  const spans = () => exporter.getFinishedSpans();
  const named = (name: string) => spans().filter((s) => s.name === name);
  return {
    provider,
    tracer: provider.getTracer("eventloom-test"),
    exporter,
    counter,
    spans,
    named,
    one(name) {
      const found = named(name);
      if (found.length !== 1) {
        throw new Error(
          `expected one span named "${name}", found ${found.length} (spans: ${spans()
            .map((s) => s.name)
            .join(", ")})`,
        );
      }
      return found[0]!;
    },
  };
}

/** Installs the async-hooks context manager (without one nothing nests); returns its undo. */
export function installContextManager(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) {
    throw new Error("a global context manager is already registered");
  }
  return () => {
    manager.disable();
    context.disable();
  };
}

/** Installs a diag recorder as the global diag logger; returns it and its undo. */
export function installDiagRecorder(): { recorder: DiagRecorder; uninstall(): void } {
  const recorder = new DiagRecorder();
  diag.setLogger(recorder, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { recorder, uninstall: () => diag.disable() };
}

/**
 * For a test file of traced runs: installs the context manager and a diag recorder for the file,
 * and after each test checks that every span the test's harness started has ended (each exactly
 * once, unless `endedOnce: false`, for tracers made to fail) and that nothing was reported
 * through diag. Returns the recorder's holder, for tests that read diag themselves.
 */
export function checkTracesAfterEach(
  harness: () => TraceHarness,
  options: { readonly endedOnce?: boolean } = {},
): { readonly recorder: DiagRecorder } {
  let uninstallContext: () => void = () => {};
  let diagnostics: { recorder: DiagRecorder; uninstall(): void } | undefined;
  const holder = {
    get recorder(): DiagRecorder {
      return diagnostics!.recorder;
    },
  };
  beforeAll(() => {
    uninstallContext = installContextManager();
    diagnostics = installDiagRecorder();
  });
  afterAll(() => {
    diagnostics?.uninstall();
    uninstallContext();
  });
  afterEach(() => {
    const otel = harness();
    // Every span started has ended, and none was ended twice (the SDK reports that through diag).
    expect([...otel.counter.open.keys()]).toEqual([]);
    if (options.endedOnce !== false) expect(otel.counter.ended).toBe(otel.counter.started);
    expect(holder.recorder.take()).toEqual({ errors: [], warnings: [] });
  });
  return holder;
}

/** How a run settled, and how many spans were still open at that moment. */
export interface Settled<T> {
  readonly value?: T;
  readonly error?: unknown;
  readonly openAtSettle: number;
}

/**
 * Awaits a run and counts its trace's open spans in the very first reaction to its settlement,
 * so a span ended later (after `await handler`) shows up as open.
 */
export function settle<T>(
  handler: PromiseLike<T> & { readonly runId: string },
  counter: OpenSpanCounter,
): Promise<Settled<T>> {
  return new Promise((resolve) => {
    handler.then(
      (value) => resolve({ value, openAtSettle: counter.openInRun(handler.runId) }),
      (error: unknown) => resolve({ error, openAtSettle: counter.openInRun(handler.runId) }),
    );
  });
}

/** The span's parent span id, or undefined for a root span. */
export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The span ids a span links to. */
export function linkedIds(span: ReadableSpan): string[] {
  return span.links.map((l) => l.context.spanId);
}

export function spanId(span: ReadableSpan): string {
  return span.spanContext().spanId;
}

export function traceId(span: ReadableSpan): string {
  return span.spanContext().traceId;
}
