import {
  type Context as OtelContext,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
  SpanKind,
  SpanStatusCode,
  context,
  diag,
  isSpanContextValid,
  trace,
} from "@opentelemetry/api";

export type RunStatus = "completed" | "failed" | "timed_out" | "cancelled";

/** The span context of an event's producer, carried beside the event (never in its fields). */
export type ProducerLink = SpanContext;

/**
 * A run's spans. Every tracer call is guarded: a failing tracer is reported through `diag.error`
 * once per run and never reaches the steps. When the run span is neither recording nor carrying
 * a valid context (no SDK registered), step spans are skipped altogether, so an untraced run pays
 * almost nothing.
 */
export class RunTracing {
  readonly enabled: boolean;
  private readonly runSpan: Span | undefined;
  private readonly runContext: OtelContext;
  private reported = false;

  constructor(
    private readonly tracer: Tracer,
    workflowName: string,
    runId: string,
    parent: OtelContext,
    private readonly recordExceptions: boolean,
  ) {
    let span: Span | undefined;
    try {
      span = tracer.startSpan(
        `invoke_workflow ${workflowName}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            "gen_ai.operation.name": "invoke_workflow",
            "gen_ai.workflow.name": workflowName,
            "eventloom.run.id": runId,
          },
        },
        parent,
      );
    } catch (error) {
      this.report(error);
    }
    this.runSpan = span;
    this.enabled =
      span !== undefined && (span.isRecording() || isSpanContextValid(span.spanContext()));
    this.runContext = this.enabled ? trace.setSpan(parent, span!) : parent;
  }

  /** The context a nested run started outside any step would use as parent. */
  get context(): OtelContext {
    return this.runContext;
  }

  startStep(
    step: string,
    attempt: number,
    worker: number,
    eventType: string,
    link: ProducerLink | undefined,
  ): Span | undefined {
    if (!this.enabled) return undefined;
    try {
      return this.tracer.startSpan(
        `step ${step}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            "eventloom.step.name": step,
            "eventloom.step.attempt": attempt,
            "eventloom.step.worker": worker,
            "eventloom.event.type": eventType,
          },
          links: link === undefined ? [] : [{ context: link }],
        },
        this.runContext,
      );
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  /** Runs `fn` with `span` active, so user spans nest under the step. */
  runInSpan<T>(span: Span | undefined, fn: () => T): T {
    if (span === undefined) return fn();
    let ctx: OtelContext;
    try {
      ctx = trace.setSpan(this.runContext, span);
    } catch (error) {
      this.report(error);
      return fn();
    }
    return context.with(ctx, fn);
  }

  linkOf(span: Span | undefined): ProducerLink | undefined {
    if (span === undefined) return undefined;
    try {
      return span.spanContext();
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  addLinks(span: Span | undefined, links: readonly (ProducerLink | undefined)[]): void {
    if (span === undefined) return;
    const real: Link[] = [];
    for (const l of links) if (l !== undefined) real.push({ context: l });
    if (real.length === 0) return;
    try {
      span.addLinks(real);
    } catch (error) {
      this.report(error);
    }
  }

  /** Ends a step span; `error` marks it failed. */
  endStep(span: Span | undefined, error?: unknown): void {
    if (span === undefined) return;
    try {
      if (error !== undefined) this.markError(span, error);
      span.end();
    } catch (e) {
      this.report(e);
    }
  }

  endRun(status: RunStatus, error?: unknown): void {
    const span = this.runSpan;
    if (span === undefined) return;
    try {
      span.setAttribute("eventloom.run.status", status);
      if (error !== undefined && (status === "failed" || status === "timed_out"))
        this.markError(span, error);
      span.end();
    } catch (e) {
      this.report(e);
    }
  }

  private markError(span: Span, error: unknown): void {
    const type = error instanceof Error ? error.constructor.name : "_OTHER";
    span.setAttribute("error.type", type);
    if (this.recordExceptions) {
      span.recordException(error instanceof Error ? error : String(error));
    }
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }

  private report(error: unknown): void {
    if (this.reported) return;
    this.reported = true;
    diag.error("@eventloom/core: the tracer failed; tracing is degraded for this run", error);
  }
}
