import type { Span, Tracer } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "../src/index.js";
import { type TraceHarness, traceHarness, checkTracesAfterEach } from "./support/tracing.js";

let otel: TraceHarness;
const diagnostics = checkTracesAfterEach(() => otel, { endedOnce: false });

type Fault = "startSpan" | "startStepSpan" | "end" | "recordException" | "setAttribute";

/** A real SDK tracer that breaks in one place. Faulty calls still reach the real span first. */
function faultyTracer(inner: Tracer, fault: Fault): Tracer {
  const broken = () => {
    throw new Error(`tracer broke in ${fault}`);
  };
  return {
    startSpan(name, options, ctx) {
      if (fault === "startSpan") broken();
      if (fault === "startStepSpan" && name.startsWith("step ")) broken();
      const span = inner.startSpan(name, options, ctx);
      const proxy: Span = new Proxy(span, {
        get(target, key) {
          const value = Reflect.get(target, key, target) as unknown;
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            const out = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (key === fault) broken();
            return out === target ? proxy : out;
          };
        },
      });
      return proxy;
    },
    startActiveSpan: inner.startActiveSpan.bind(inner) as Tracer["startActiveSpan"],
  };
}

/** Errors reported through diag by core. */
function coreReports(): unknown[][] {
  const { errors, warnings } = diagnostics.recorder.take();
  expect(warnings).toEqual([]);
  for (const e of errors) expect(String(e[0])).toMatch(/^@eventloom\/core: the tracer failed/);
  return errors;
}

class Middle extends Event.define({ n: z.number() }) {}
class Boom extends Error {}

class Three extends Workflow {
  a = step({ accepts: [StartEvent], emits: [Middle] }, () => new Middle({ n: 1 }));
  b = step({ accepts: [Middle], emits: [Middle, StopEvent] }, (ev) =>
    ev.n < 3 ? new Middle({ n: ev.n + 1 }) : new StopEvent({ result: ev.n }),
  );
}

class Fails extends Workflow {
  a = step({ accepts: [StartEvent], emits: [Middle] }, () => new Middle({ n: 1 }));
  b = step({ accepts: [Middle], emits: [StopEvent] }, () => {
    throw new Boom("the step's own error");
  });
}

describe("a tracer that throws", () => {
  it.each<Fault>(["startSpan", "startStepSpan", "end", "setAttribute"])(
    "never fails a run, and is reported through diag.error once per run (%s)",
    async (fault) => {
      otel = traceHarness();
      const wf = new Three({ tracer: faultyTracer(otel.tracer, fault) });
      expect(await wf.run()).toBe(3);
      expect(coreReports()).toHaveLength(1);
      expect(await wf.run()).toBe(3);
      expect(coreReports()).toHaveLength(1);
    },
  );

  it.each<Fault>(["startStepSpan", "end", "recordException"])(
    "leaves a failing run's own error intact (%s)",
    async (fault) => {
      otel = traceHarness();
      const wf = new Fails({ tracer: faultyTracer(otel.tracer, fault) });
      await expect(wf.run()).rejects.toThrow(Boom);
      expect(coreReports()).toHaveLength(1);
    },
  );
});
