import { type HrTime, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** A finished span as the local trace file holds it: plain JSON, ids in hex, times in ISO. */
export interface SpanRecord {
  readonly name: string;
  readonly kind: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The parent's span id; `null` for a trace's root span. */
  readonly parentSpanId: string | null;
  readonly startTime: string;
  readonly endTime: string;
  /** The start time in nanoseconds since the epoch (OTLP's `startTimeUnixNano`), as a string. */
  readonly startTimeUnixNano: string;
  readonly durationMs: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly links: readonly {
    readonly traceId: string;
    readonly spanId: string;
    readonly attributes: Readonly<Record<string, unknown>>;
  }[];
  readonly status: { readonly code: "UNSET" | "OK" | "ERROR"; readonly message?: string };
  readonly events: readonly {
    readonly name: string;
    readonly time: string;
    readonly attributes: Readonly<Record<string, unknown>>;
  }[];
  /** The instrumentation scope (tracer name) that made the span. */
  readonly scope: string;
}

function millis(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1e6;
}

function nanos(time: HrTime): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

function iso(time: HrTime): string {
  return new Date(millis(time)).toISOString();
}

/** The JSON form of a finished span. */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const context = span.spanContext();
  const status = span.status;
  return {
    name: span.name,
    kind: SpanKind[span.kind],
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    startTime: iso(span.startTime),
    endTime: iso(span.endTime),
    startTimeUnixNano: nanos(span.startTime),
    durationMs: Math.round(millis(span.duration) * 1000) / 1000,
    attributes: { ...span.attributes },
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      attributes: { ...link.attributes },
    })),
    status: {
      code: SpanStatusCode[status.code] as "UNSET" | "OK" | "ERROR",
      ...(status.message === undefined ? {} : { message: status.message }),
    },
    events: span.events.map((event) => ({
      name: event.name,
      time: iso(event.time),
      attributes: { ...event.attributes },
    })),
    scope: span.instrumentationScope.name,
  };
}
