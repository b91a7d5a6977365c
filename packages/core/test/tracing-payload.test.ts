import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowValidationError,
  type WorkflowOptions,
  step,
} from "../src/index.js";
import {
  type TraceHarness,
  settle,
  traceHarness,
  checkTracesAfterEach,
} from "./support/tracing.js";

let otel: TraceHarness;
checkTracesAfterEach(() => otel);

class Note extends Event.define({ text: z.string(), n: z.number() }) {}

class Notes extends Workflow {
  first = step(
    { accepts: [StartEvent], emits: [Note] },
    (ev) => new Note({ text: String(ev["text"]), n: 7 }),
  );
  second = step(
    { accepts: [Note], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev.text }),
  );
}

async function payloads(options: WorkflowOptions, input: Record<string, unknown>) {
  otel = traceHarness();
  const handler = new Notes({ tracer: otel.tracer, ...options }).run(input);
  const outcome = await settle(handler, otel.counter);
  expect(outcome.openAtSettle).toBe(0);
  expect(outcome.value).toBe(String(input["text"]));
  return {
    first: otel.one("step first").attributes["eventloom.event.payload"],
    second: otel.one("step second").attributes["eventloom.event.payload"],
  };
}

describe("recordEventPayloads", () => {
  it("records no payload by default", async () => {
    expect(await payloads({}, { text: "secret" })).toEqual({
      first: undefined,
      second: undefined,
    });
    expect(await payloads({ recordEventPayloads: false }, { text: "secret" })).toEqual({
      first: undefined,
      second: undefined,
    });
  });

  it("records each step's input event fields as JSON with true", async () => {
    expect(await payloads({ recordEventPayloads: true }, { text: "hi" })).toEqual({
      first: '{"text":"hi"}',
      second: '{"text":"hi","n":7}',
    });
  });

  it("cuts the JSON to 256 characters by default, ending in an ellipsis", async () => {
    const text = "x".repeat(1000);
    const { second } = await payloads({ recordEventPayloads: true }, { text });
    expect(second).toHaveLength(256);
    expect(second).toBe(`{"text":"${"x".repeat(255 - 9)}…`);
  });

  it("cuts the JSON to maxLength characters", async () => {
    const { first, second } = await payloads(
      { recordEventPayloads: { maxLength: 12 } },
      { text: "abcdefghijklmnop" },
    );
    expect(first).toBe('{"text":"ab…');
    expect(second).toBe('{"text":"ab…');
    const exact = await payloads({ recordEventPayloads: { maxLength: 13 } }, { text: "abcd" });
    expect(exact.first).toBe('{"text":"abcd"}'.slice(0, 12) + "…");
    const fits = await payloads({ recordEventPayloads: { maxLength: 15 } }, { text: "abcd" });
    expect(fits.first).toBe('{"text":"abcd"}');
  });

  it("never splits a surrogate pair when cutting", async () => {
    // '{"text":"' is 9 UTF-16 units; each emoji is two.
    const { first } = await payloads({ recordEventPayloads: { maxLength: 11 } }, { text: "😀😀" });
    expect(first).toBe('{"text":"…');
    const { first: kept } = await payloads(
      { recordEventPayloads: { maxLength: 12 } },
      { text: "😀😀" },
    );
    expect(kept).toBe('{"text":"😀…');
  });

  it("records a marker, and still runs the step, for fields JSON cannot hold", async () => {
    otel = traceHarness();
    class Big extends Workflow {
      only = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        (ev) => new StopEvent({ result: typeof ev["big"] }),
      );
    }
    const handler = new Big({ tracer: otel.tracer, recordEventPayloads: true }).run({ big: 1n });
    const outcome = await settle(handler, otel.counter);
    expect(outcome.value).toBe("bigint");
    expect(otel.one("step only").attributes["eventloom.event.payload"]).toBe("[unserializable]");
  });

  it.each([
    ["a string", "yes"],
    ["maxLength 0", { maxLength: 0 }],
    ["a fractional maxLength", { maxLength: 1.5 }],
    ["no maxLength", {}],
    ["null", null],
  ])("rejects %s with a WorkflowValidationError naming the option", (_label, value) => {
    const options = { recordEventPayloads: value } as unknown as WorkflowOptions;
    otel = traceHarness();
    expect(() => new Notes(options)).toThrow(WorkflowValidationError);
    expect(() => new Notes(options)).toThrow(/recordEventPayloads must be true, false or/);
  });
});
