import { context, trace } from "@opentelemetry/api";
import { WorkflowRuntimeError } from "@eventloom/core";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { activeRecorder, setActiveRecorder } from "./internal/active-recorder.js";
import { indexSpans, renderTree, subtree } from "./internal/span-tree.js";

/** The spans recorded in memory by {@link recordSpans}. */
export interface SpanRecorder {
  /** Every span that has ended since the recorder started (or since `reset()`), in start order. */
  spans(): ReadableSpan[];
  /**
   * The ended spans as an indented text tree, for `toMatchInlineSnapshot()`: one line per span,
   * two spaces per level, children in start order. A span's links follow "←" (a fan-in step
   * after `collectEvents` links to every producer it collected from); where a trace has several
   * spans of one name they are numbered `#1`, `#2`… in start order, so each link names exactly
   * one span. `[error TypeError]` marks a span with status ERROR (and its `error.type`),
   * `[aborted: completed]` a step attempt cut short by the run's end. No ids, no times: the same
   * run gives the same text.
   *
   * @example
   * // plan fans out to three searches; summarize collects their results (collectEvents)
   * expect(recorder.tree()).toMatchInlineSnapshot(`
   *   "invoke_workflow Research
   *     step plan
   *     step search #1 ← step plan
   *     step search #2 ← step plan
   *     step summarize #1 ← step search #1
   *     step summarize #2 ← step search #2
   *     step search #3 ← step plan
   *     step summarize #3 ← step search #3, step search #1, step search #2"
   * `);
   */
  tree(): string;
  /** Forgets the spans recorded so far; recording goes on. */
  reset(): void;
  /**
   * Stops recording: the tracer provider and the context manager are unregistered, so the next
   * test can call `recordSpans()` again. Call it in `afterEach`. Twice is fine.
   */
  shutdown(): Promise<void>;
}

/** Remembers the order in which spans start: times can tie, this order cannot. */
class StartOrder implements SpanProcessor {
  readonly #order = new Map<string, number>();
  #next = 0;
  onStart(span: Span): void {
    this.#order.set(span.spanContext().spanId, this.#next++);
  }
  onEnd(): void {}
  of(span: ReadableSpan): number {
    return this.#order.get(span.spanContext().spanId) ?? Number.MAX_SAFE_INTEGER;
  }
  clear(): void {
    this.#order.clear();
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Registers an in-memory OpenTelemetry tracer provider (and an `AsyncLocalStorage` context
 * manager, so spans nest) for the current test. Every workflow run from now on is traced into
 * it, and `testRun()` returns each run's own spans as `spans`. Only one recorder can be
 * registered at a time: shut it down after each test.
 *
 * @example
 * let recorder: SpanRecorder;
 * beforeEach(() => { recorder = recordSpans(); });
 * afterEach(() => recorder.shutdown());
 *
 * it("links the fan-in to every search", async () => {
 *   await new Research().run({ topic: "otel" });
 *   expect(recorder.tree()).toContain("step summarize #3 ← step search #3, step search #1, step search #2");
 * });
 */
export function recordSpans(): SpanRecorder {
  if (activeRecorder() !== undefined) {
    throw new WorkflowRuntimeError(
      "recordSpans(): a recorder is already registered: call recorder.shutdown() (in afterEach) before recording again",
    );
  }
  const exporter = new InMemorySpanExporter();
  const order = new StartOrder();
  const provider = new BasicTracerProvider({
    spanProcessors: [order, new SimpleSpanProcessor(exporter)],
  });
  if (!trace.setGlobalTracerProvider(provider)) {
    throw new WorkflowRuntimeError(
      "recordSpans(): another OpenTelemetry tracer provider is already registered in this process (an SDK set up by the test or its setup file): remove it, or call trace.disable() first",
    );
  }
  // Keep a context manager someone else registered (theirs already nests spans); else ours.
  const contextManager = new AsyncLocalStorageContextManager();
  const ownContext = context.setGlobalContextManager(contextManager.enable());
  if (!ownContext) contextManager.disable();

  const spans = (): ReadableSpan[] =>
    [...exporter.getFinishedSpans()].sort((a, b) => order.of(a) - order.of(b));
  let stopped = false;
  const recorder: SpanRecorder & { spansOfRun(runId: string): ReadableSpan[] } = {
    spans,
    tree: () => renderTree(spans()),
    reset() {
      exporter.reset();
      order.clear();
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      setActiveRecorder(undefined);
      trace.disable();
      if (ownContext) context.disable();
      await provider.shutdown();
    },
    spansOfRun(runId) {
      const all = spans();
      const run = all.find(
        (s) => s.attributes["eventloom.run.id"] === runId && s.name.startsWith("invoke_workflow "),
      );
      if (run === undefined) return [];
      const ids = new Set(subtree(indexSpans(all), run).map((s) => s.spanContext().spanId));
      return all.filter((s) => ids.has(s.spanContext().spanId));
    },
  };
  setActiveRecorder(recorder);
  return recorder;
}
