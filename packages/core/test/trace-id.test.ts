import { expect, it } from "vitest";
import { StartEvent, StopEvent, Workflow, step } from "../src/index.js";
import { type TraceHarness, checkTracesAfterEach, traceHarness } from "./support/tracing.js";

let otel: TraceHarness;
checkTracesAfterEach(() => otel);

class Hello extends Workflow {
  greet = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
}

it("handler.traceId is the run span's trace id", async () => {
  otel = traceHarness();
  const h = new Hello({ tracer: otel.tracer }).run();
  await h;
  expect(h.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect(h.traceId).toBe(
    otel
      .spans()
      .find((s) => s.name.includes("Hello"))!
      .spanContext().traceId,
  );
});

it("handler.traceId is undefined when the run is not traced", async () => {
  otel = traceHarness(); // registered nowhere: the run has no tracer
  const h = new Hello().run();
  await h;
  expect(h.traceId).toBeUndefined();
});
