// Runs that move between workers in this process: close() hands them back, another worker
// resumes them from the shared journal. And one trace from the client's span to the worker's run.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, expect, it } from "vitest";
import { RemoteRunError, natsClient, natsWorker } from "../src/index.js";
import { useServices } from "./support/services.js";
import { OrderWorkflow } from "./support/workflows.js";

const svc = useServices();

afterEach(() => {
  trace.disable();
  context.disable();
  propagation.disable();
});

it("close() takes no new runs and hands live ones back; another worker resumes them from the journal", async () => {
  const effects = new Map<string, number>();
  const count = (stepName: string, invocationId: string): void =>
    void effects.set(
      `${stepName} ${invocationId}`,
      (effects.get(`${stepName} ${invocationId}`) ?? 0) + 1,
    );
  const start = async (concurrency: number) => {
    const nc = await svc.connect();
    // Each worker its own journal object: its own owner name in claims, as another process has.
    const wf = new OrderWorkflow(
      { journal: svc.journal({ claimMs: 5_000 }), timeout: 60_000 },
      (s, ctx) => count(s, `${ctx.runId}:${ctx.invocationId}`),
    );
    return natsWorker(nc, { workflows: [wf], concurrency, prefix: svc.prefix, ackWaitMs: 2_000 });
  };
  const a = await start(4);
  const client = natsClient(await svc.connect(), { prefix: svc.prefix, timeoutMs: 30_000 });
  const runs = await Promise.all(
    Array.from({ length: 4 }, (_, i) => client.run("OrderWorkflow", { orderId: `h-${i}` })),
  );
  // Every run is live on A, waiting for its approval.
  await Promise.all(
    runs.map(async (run) => {
      for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") return;
    }),
  );
  expect(a.active).toBe(4);
  const b = await start(10);
  svc.defer(() => b.close());
  const began = performance.now();
  await a.close();
  const closeMs = performance.now() - began;
  expect(a.active).toBe(0);
  // A new run after close goes to B.
  const late = await client.run("OrderWorkflow", { orderId: "h-late" });
  const all = [...runs, late];
  // The answers reach the runs wherever they are now (sendEvent waits for B to take them).
  const streams = await Promise.all(
    all.map(async (run) => {
      const seen = [];
      for await (const ev of run.streamEvents()) {
        seen.push(ev);
        if (ev.type === "AskApproval" && seen.filter((e) => e.type === "AskApproval").length === 1)
          await run.sendEvent({ type: "Approval", data: { ok: true } });
      }
      return seen;
    }),
  );
  expect(await Promise.all(all.map((r) => r.result()))).toEqual([
    "h-0 shipped",
    "h-1 shipped",
    "h-2 shipped",
    "h-3 shipped",
    "h-late shipped",
  ]);
  for (const seen of streams) {
    // Each seq once, in order, from the first event to the stop event.
    expect(seen.map((e) => e.seq)).toEqual(seen.map((_, i) => i));
    expect(seen[0]).toMatchObject({ type: "Progress", data: { stage: "reserved" } });
    expect(seen.at(-1)).toMatchObject({ type: "StopEvent" });
  }
  // Journaled steps never ran again: reserve once per run; approve (in flight at the hand-back,
  // waiting) ran again on B with the same invocationId; ship once.
  const byStep = (s: string) =>
    [...effects].filter(([k]) => k.startsWith(`${s} `)).map(([, n]) => n);
  expect(byStep("reserve")).toEqual([1, 1, 1, 1, 1]);
  expect(byStep("ship")).toEqual([1, 1, 1, 1, 1]);
  expect(byStep("approve").sort()).toEqual([1, 2, 2, 2, 2]);
  console.log(`close() handed back 4 live runs in ${Math.round(closeMs)} ms`);
  expect(closeMs).toBeLessThan(15_000);
});

it("a run started inside a client's span is part of that trace", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const nc = await svc.connect();
  const worker = await natsWorker(nc, {
    workflows: [new OrderWorkflow({ journal: svc.journal(), timeout: 60_000 })],
    prefix: svc.prefix,
  });
  svc.defer(() => worker.close());
  const client = natsClient(nc, { prefix: svc.prefix });
  const tracer = trace.getTracer("test");
  const { run, parent } = await tracer.startActiveSpan("checkout", async (span) => {
    const r = await client.run("OrderWorkflow", { orderId: "t-1" });
    span.end();
    return { run: r, parent: span.spanContext() };
  });
  for await (const ev of run.streamEvents())
    if (ev.type === "AskApproval") await run.sendEvent({ type: "Approval", data: { ok: true } });
  expect(await run.result()).toBe("t-1 shipped");
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  const runSpan = spans.find((s) => s.name === "invoke_workflow OrderWorkflow");
  expect(runSpan?.spanContext().traceId).toBe(parent.traceId);
  expect(runSpan?.parentSpanContext?.spanId).toBe(parent.spanId);
  const steps = spans.filter((s) => s.name.startsWith("step ")).map((s) => s.name);
  expect(steps).toEqual(["step reserve", "step approve", "step ship"]);
  for (const s of spans) expect(s.spanContext().traceId).toBe(parent.traceId);
  await provider.shutdown();
});

it("gives up on a run delivered more than maxDeliveries times, with a clear error, instead of passing it on forever", async () => {
  const start = async () =>
    natsWorker(await svc.connect(), {
      workflows: [new OrderWorkflow({ journal: svc.journal({ claimMs: 5_000 }), timeout: 60_000 })],
      prefix: svc.prefix,
      ackWaitMs: 2_000,
      maxDeliveries: 1,
    });
  const a = await start();
  const client = natsClient(await svc.connect(), { prefix: svc.prefix });
  const run = await client.run("OrderWorkflow", { orderId: "p-1" });
  for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") break;
  const b = await start();
  svc.defer(() => b.close());
  await a.close(); // the second delivery is one too many
  const error = await run.result().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RemoteRunError);
  expect(error).toMatchObject({ status: "cancelled", code: "REDELIVERY_LIMIT" });
  expect((error as Error).message).toContain(
    "was delivered 2 times without settling (its worker crashed, was killed or stopped signalling each time); given up after maxDeliveries 1",
  );
  const events = [];
  for await (const ev of run.streamEvents()) events.push(ev.type);
  expect(events.at(-1)).toBe("WorkflowCancelledEvent");
});
