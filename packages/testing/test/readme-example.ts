import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { type SpanRecorder, recordSpans, testRun } from "@eventloom/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { z } from "zod";

class Question extends StartEvent.define({ text: z.string() }) {}
class Draft extends Event.define({ text: z.string() }) {}

type Llm = (prompt: string) => Promise<string>;

class Answer extends Workflow {
  readonly #llm: Llm;
  constructor(llm: Llm) {
    super({ timeout: 5_000 });
    this.#llm = llm;
  }
  draft = step({ accepts: [Question], emits: [Draft] }, async (ev) => {
    return new Draft({ text: await this.#llm(ev.text) });
  });
  polish = step({ accepts: [Draft], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: ev.text.trim() });
  });
}

const model: Llm = () => Promise.reject(new Error("no network in tests"));

let recorder: SpanRecorder;
beforeEach(() => {
  recorder = recordSpans();
});
afterEach(() => recorder.shutdown());

it("answers with a mocked draft step", async () => {
  const { result, emitted, spans } = await testRun(
    new Answer(model),
    { text: "hi" },
    { mockSteps: { draft: (ev) => new Draft({ text: `  echo ${ev.text}  ` }) } },
  );
  expect(result).toBe("echo hi");
  expect(emitted.map((e) => e.toJSON().type)).toEqual(["Draft", "StopEvent"]);
  expect(spans).toHaveLength(3);
  expect(recorder.tree()).toBe(
    ["invoke_workflow Answer", "  step draft", "  step polish ← step draft"].join("\n"),
  );
});

it("returns the model's error instead of throwing", async () => {
  const { error, stream } = await testRun(new Answer(model), { text: "hi" });
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toBe("no network in tests");
  expect(stream.at(-1)?.toJSON().type).toBe("WorkflowFailedEvent");
  expect(recorder.tree()).toBe(
    ["invoke_workflow Answer [error Error]", "  step draft [error Error]"].join("\n"),
  );
});
