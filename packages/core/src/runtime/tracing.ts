import {
  type Attributes,
  type Context as OtelContext,
  type Link,
  type Span,
  type SpanContext,
  type Tracer,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  diag,
  isSpanContextValid,
  trace,
} from "@opentelemetry/api";
import { type Event, type EventClass, eventTypeName } from "../event.js";

export type RunStatus = "completed" | "failed" | "timed_out" | "cancelled";

/** The span context of an event's producer, carried beside the event (never in its fields). */
export type ProducerLink = SpanContext;

/** What a run records on its spans beyond the fixed attributes. */
export interface TracingOptions {
  /** Record exceptions on failed spans (`span.recordException`). */
  readonly recordExceptions: boolean;
  /** Add `eventloom.event.payload` (the input's JSON, cut to this length); undefined for none. */
  readonly payloadMaxLength: number | undefined;
}

/**
 * A run's spans. Every tracer call is guarded: a failing tracer is reported through `diag.error`
 * once per run and never reaches the steps. When the run span is neither recording nor carrying
 * a valid context (no SDK registered), step spans are skipped altogether, so an untraced run pays
 * almost nothing.
 */
export class RunTracing {
  readonly enabled: boolean;
  private readonly runSpan: Span | undefined;

  /** The run span's W3C trace id, or undefined when the run is not traced. */
  get traceId(): string | undefined {
    return this.enabled ? this.runSpan!.spanContext().traceId : undefined;
  }
  private readonly runContext: OtelContext;
  private reported = false;

  /** The tracing of a run with no tracer and no parent context: every call does nothing. */
  static readonly off = new RunTracing(undefined, "", { runId: "" }, ROOT_CONTEXT, {
    recordExceptions: false,
    payloadMaxLength: undefined,
  });

  constructor(
    private readonly tracer: Tracer | undefined,
    workflowName: string,
    run: { readonly runId: string },
    parent: OtelContext,
    private readonly options: TracingOptions,
  ) {
    let span: Span | undefined;
    let enabled = false;
    if (tracer !== undefined) {
      try {
        span = tracer.startSpan(
          `invoke_workflow ${workflowName}`,
          {
            kind: SpanKind.INTERNAL,
            attributes: {
              "gen_ai.operation.name": "invoke_workflow",
              "gen_ai.workflow.name": workflowName,
              "eventloom.run.id": run.runId,
            },
          },
          parent,
        );
        enabled = span.isRecording() || isSpanContextValid(span.spanContext());
      } catch (error) {
        this.report(error);
      }
    }
    this.runSpan = span;
    this.enabled = enabled && span !== undefined;
    this.runContext = this.enabled ? trace.setSpan(parent, span!) : parent;
  }

  /** The context a nested run started outside any step would use as parent. */
  get context(): OtelContext {
    return this.runContext;
  }

  /** Starts a step attempt's span under the run span (never under whichever step ran last). */
  startStep(
    step: string,
    attempt: number,
    worker: number,
    input: Event,
    link: ProducerLink | undefined,
  ): Span | undefined {
    if (!this.enabled) return undefined;
    const attributes: Attributes = {
      "eventloom.step.name": step,
      "eventloom.step.attempt": attempt,
      "eventloom.step.worker": worker,
      "eventloom.event.type": eventTypeName(input.constructor as EventClass),
    };
    const maxLength = this.options.payloadMaxLength;
    if (maxLength !== undefined)
      attributes["eventloom.event.payload"] = summarize(input, maxLength);
    try {
      return this.tracer!.startSpan(
        `step ${step}`,
        {
          kind: SpanKind.INTERNAL,
          attributes,
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
  runInSpan<A extends unknown[], T>(
    span: Span,
    fn: (this: unknown, ...args: A) => T,
    thisArg: unknown,
    ...args: A
  ): T {
    let ctx: OtelContext;
    try {
      ctx = trace.setSpan(this.runContext, span);
    } catch (error) {
      this.report(error);
      return fn.apply(thisArg, args);
    }
    return context.with(ctx, fn, thisArg, ...args);
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

  /** Ends a step span; `error` marks it failed. The span ends even if marking it fails. */
  endStep(span: Span | undefined, error?: unknown): void {
    if (span === undefined) return;
    if (error !== undefined) this.markError(span, error);
    this.guard(() => span.end());
  }

  /**
   * Ends the span of an attempt cut short by the run's end, saying so: `eventloom.step.aborted`
   * and why (`timeout`, `cancelled`, `failed`, or `completed` when another step stopped the run).
   */
  abortStep(span: Span | undefined, status: RunStatus): void {
    if (span === undefined) return;
    const reason = status === "timed_out" ? "timeout" : status;
    this.guard(() =>
      span.setAttributes({ "eventloom.step.aborted": true, "eventloom.step.abort_reason": reason }),
    );
    this.guard(() => span.end());
  }

  endRun(status: RunStatus, error?: unknown): void {
    const span = this.runSpan;
    if (span === undefined) return;
    this.guard(() => span.setAttribute("eventloom.run.status", status));
    if (error !== undefined && (status === "failed" || status === "timed_out"))
      this.markError(span, error);
    this.guard(() => span.end());
  }

  /** Each call guarded on its own, so one failing call does not skip the others (or the end). */
  private markError(span: Span, error: unknown): void {
    const type = error instanceof Error ? error.constructor.name : "_OTHER";
    this.guard(() => span.setAttribute("error.type", type));
    if (this.options.recordExceptions) {
      this.guard(() => span.recordException(error instanceof Error ? error : String(error)));
    }
    this.guard(() =>
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
  }

  private guard(call: () => unknown): void {
    try {
      call();
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    if (this.reported) return;
    this.reported = true;
    diag.error("@eventloom/core: the tracer failed; tracing is degraded for this run", error);
  }
}

/**
 * The event's fields as JSON, cut to `maxLength` characters (ending in "…" when cut, never
 * splitting a surrogate pair). Fields that JSON cannot hold (a BigInt, a cycle) give a marker
 * instead of an error: recording a payload never fails a step.
 */
export function summarize(event: Event, maxLength: number): string {
  let json: string;
  try {
    json = JSON.stringify(event.toJSON().data) ?? "undefined";
  } catch {
    return "[unserializable]".slice(0, maxLength);
  }
  if (json.length <= maxLength) return json;
  let cut = maxLength - 1;
  const last = json.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${json.slice(0, cut)}…`;
}
