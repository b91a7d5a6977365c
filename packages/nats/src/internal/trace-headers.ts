// W3C trace context in NATS message headers. The globally registered propagator is used when
// there is one; without one (an SDK set up without propagation) traceparent is still written and
// read here, so a run is always part of its caller's trace.
import {
  type Context,
  ROOT_CONTEXT,
  TraceFlags,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from "@opentelemetry/api";
import type { MsgHdrs } from "@nats-io/transport-node";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Writes the active trace context (traceparent, tracestate) into `headers`. */
export function injectTrace(headers: MsgHdrs, ctx: Context = context.active()): void {
  try {
    propagation.inject(ctx, headers, { set: (h, key, value) => h.set(key, value) });
    if (headers.has("traceparent")) return;
    const sc = trace.getSpanContext(ctx);
    if (sc === undefined || !isSpanContextValid(sc)) return;
    const flags = (sc.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, "0");
    headers.set("traceparent", `00-${sc.traceId}-${sc.spanId}-${flags}`);
  } catch {
    // Tracing never breaks the traced.
  }
}

/** The trace context carried by `headers` (the root context when there is none). */
export function extractTrace(headers: MsgHdrs | undefined): Context {
  if (headers === undefined) return ROOT_CONTEXT;
  try {
    const ctx = propagation.extract(ROOT_CONTEXT, headers, {
      get: (h, key) => (h.has(key) ? h.get(key) : undefined),
      keys: (h) => h.keys(),
    });
    if (trace.getSpanContext(ctx) !== undefined) return ctx;
    const match = TRACEPARENT.exec(headers.get("traceparent"));
    if (match === null) return ROOT_CONTEXT;
    const sc = {
      traceId: match[1]!,
      spanId: match[2]!,
      traceFlags: parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
      isRemote: true,
    };
    return isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
  } catch {
    return ROOT_CONTEXT;
  }
}
