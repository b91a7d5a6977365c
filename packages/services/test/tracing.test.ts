import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { StartEvent, StopEvent, Workflow, type WorkflowOptions, step } from "@eventloom/core";
import { addWorkflows, runNested } from "@eventloom/services";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer("services-test");
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
});
afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

class Station extends Workflow {
  static override workflowName = "Station";
  trade = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev) => {
    await Promise.resolve();
    return new StopEvent({ result: `traded ${String(ev["stock"])}` });
  });
}

class Monitor extends Workflow {
  static override workflowName = "Monitor";
  constructor(
    options: WorkflowOptions,
    private readonly nested: "runNested" | "plain run()",
  ) {
    super(options);
  }
  order = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["station"] },
    async (_ev, ctx, services) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const station = services["station"] as Station;
      const result =
        this.nested === "runNested"
          ? await runNested(ctx, station, { stock: "NVDA" })
          : await station.run({ stock: "NVDA" });
      return new StopEvent({ result });
    },
  );
}

const one = (name: string): ReadableSpan => {
  const found = exporter.getFinishedSpans().filter((s) => s.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};
const id = (s: ReadableSpan) => s.spanContext().spanId;
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe("a nested run's spans", () => {
  it.each(["runNested", "plain run()"] as const)(
    "form one trace with the parent's: the child run span's parent is the calling step's span (%s)",
    async (how) => {
      exporter.reset();
      const monitor = addWorkflows(new Monitor({ tracer }, how), {
        station: new Station({ tracer }),
      });
      expect(await monitor.run()).toBe("traded NVDA");

      const monitorRun = one("invoke_workflow Monitor");
      const order = one("step order");
      const stationRun = one("invoke_workflow Station");
      const trade = one("step trade");
      expect(parentOf(monitorRun)).toBeUndefined();
      expect(parentOf(order)).toBe(id(monitorRun));
      expect(parentOf(stationRun)).toBe(id(order));
      expect(parentOf(trade)).toBe(id(stationRun));
      const traces = new Set(
        [monitorRun, order, stationRun, trade].map((s) => s.spanContext().traceId),
      );
      expect(traces.size).toBe(1);
    },
  );
});
