// Which OpenTelemetry tracer and parent context a new run gets when the workflow names none.
import {
  ROOT_CONTEXT,
  type Context as OtelContext,
  type Tracer,
  type TracerProvider,
  ProxyTracerProvider,
  context as otelContext,
  trace,
} from "@opentelemetry/api";
import type { StepView } from "../runtime/step-view.js";
import { VERSION } from "../version.js";

/**
 * Where `@opentelemetry/api` 1.x registers its globals (a tracer provider, a context manager);
 * core's peer dependency is `^1.9.0`, so this is the key every compatible API copy uses.
 */
const OTEL_GLOBALS = Symbol.for("opentelemetry.js.api.1");

/**
 * False when no OpenTelemetry SDK and no context manager is registered: then every span would
 * be a no-op and the active context is the root one, which a run can know without asking the
 * API (a handful of calls and a version check per run).
 */
export function otelInUse(): boolean {
  const globals = (
    globalThis as Record<symbol, { trace?: unknown; context?: unknown } | undefined>
  )[OTEL_GLOBALS];
  return globals !== undefined && (globals.trace !== undefined || globals.context !== undefined);
}

let defaultProvider: TracerProvider | undefined;
let defaultTracerOfProvider: Tracer | undefined;
/** The API's no-op provider: what a proxy provider delegates to while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * `trace.getTracer("@eventloom/core", version)`, asked of the global provider again only when it
 * is replaced (`trace.disable()` then a new registration): the API makes a new proxy tracer per
 * call, which a run should not pay for. Undefined when no SDK is registered and no span context
 * comes from the parent: every span would be a no-op, so the run starts none.
 */
export function defaultTracer(parent: OtelContext): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (
    provider instanceof ProxyTracerProvider &&
    provider.getDelegate() === NOOP_PROVIDER &&
    trace.getSpanContext(parent) === undefined
  ) {
    return undefined;
  }
  if (provider !== defaultProvider || defaultTracerOfProvider === undefined) {
    defaultProvider = provider;
    defaultTracerOfProvider = provider.getTracer("@eventloom/core", VERSION);
  }
  return defaultTracerOfProvider;
}

/**
 * The OpenTelemetry parent of a new run: the calling step's span for a nested run (so it nests
 * even where the async context was lost), else whatever span is active.
 */
export function traceParentOf(parent: StepView | undefined): OtelContext {
  const active = otelContext.active();
  const span = parent?.span;
  return span === undefined ? active : trace.setSpan(active, span);
}

/**
 * The tracer and parent context of a new run: none at all (the root context, no tracer) when
 * `off`, or when the run has no parent step, the workflow names no tracer and no OpenTelemetry
 * SDK or context manager is in use; else the workflow's tracer, the parent run's, or the default.
 */
export function runTrace(
  own: Tracer | undefined,
  parent: StepView | undefined,
  off = false,
): { readonly tracer: Tracer | undefined; readonly traceParent: OtelContext } {
  if (off || (parent === undefined && own === undefined && !otelInUse())) {
    return { tracer: undefined, traceParent: ROOT_CONTEXT };
  }
  const traceParent = traceParentOf(parent);
  // A nested run of a workflow with no tracer of its own traces with its parent's.
  return { tracer: own ?? parent?.tracer ?? defaultTracer(traceParent), traceParent };
}
