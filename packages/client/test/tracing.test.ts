// W3C trace context both ways: the client sends the active context as `traceparent`, and the
// server makes the run span a child of it, so a run started by a traced client is in its trace.
import { afterAll, beforeAll, expect, it } from "vitest";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createServer, type ListeningServer } from "@eventloom/server";
import { WorkflowClient } from "@eventloom/client";
import { OrderWorkflow } from "./support/workflows.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let server: ListeningServer;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  server = await createServer({ workflows: { order: new OrderWorkflow() } }).listen({ port: 0 });
});
afterAll(async () => {
  await server.close();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

it("a run started inside a client span is a child of that span, in the client's trace", async () => {
  const tracer = trace.getTracer("test-client");
  const client = new WorkflowClient({ baseUrl: server.url });
  const { clientSpan, runId } = await tracer.startActiveSpan("checkout", async (span) => {
    const run = await client.run("order", { orderId: "t-1" });
    await run.result();
    span.end();
    return { clientSpan: span.spanContext(), runId: run.runId };
  });
  const runSpan = exporter
    .getFinishedSpans()
    .find(
      (s) =>
        s.name === "invoke_workflow OrderWorkflow" && s.attributes["eventloom.run.id"] === runId,
    );
  expect(runSpan).toBeDefined();
  expect(runSpan!.spanContext().traceId).toBe(clientSpan.traceId);
  expect(runSpan!.parentSpanContext?.spanId).toBe(clientSpan.spanId);
  const stepSpans = exporter
    .getFinishedSpans()
    .filter((s) => s.spanContext().traceId === clientSpan.traceId && s.name === "step start");
  expect(stepSpans).toHaveLength(1);
  // GET /runs/:id names the run's trace (the inspector links it to Jaeger).
  expect(await client.handle(runId).status()).toMatchObject({
    traceId: clientSpan.traceId,
  });
});

it("a run started with no traceparent starts a trace of its own", async () => {
  exporter.reset();
  const res = await fetch(`${server.url}/workflows/order/runs?wait=true`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ input: { orderId: "t-2" } }),
  });
  const { runId } = (await res.json()) as { runId: string };
  const runSpan = exporter
    .getFinishedSpans()
    .find((s) => s.attributes["eventloom.run.id"] === runId);
  expect(runSpan?.parentSpanContext).toBeUndefined();
});

it("the server reads a raw W3C traceparent header (any client, curl too)", async () => {
  exporter.reset();
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const res = await fetch(`${server.url}/workflows/order/runs?wait=true`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    },
    body: JSON.stringify({ input: { orderId: "t-3" } }),
  });
  const { runId } = (await res.json()) as { runId: string };
  const runSpan = exporter
    .getFinishedSpans()
    .find((s) => s.attributes["eventloom.run.id"] === runId);
  expect(runSpan?.spanContext().traceId).toBe(traceId);
  expect(runSpan?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
});
