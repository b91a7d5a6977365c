// The "Testing your workflows" page's samples: Vitest tests, run by docs/test/testing.test.ts.
// #region workflow
import { Event, StartEvent, StopEvent, Workflow, WorkflowFailedEvent, step } from "@eventloom/core";
import { testRun } from "@eventloom/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";

class Ask extends StartEvent.define({ question: z.string() }) {}
class Answer extends Event.define({ text: z.string() }) {}
class Progress extends Event.define({ line: z.string() }) {}

/** The outside world, injected so that a test can replace it. */
type Llm = (prompt: string) => Promise<string>;

class AnswerWorkflow extends Workflow {
  readonly #llm: Llm;
  constructor(llm: Llm) {
    super({ timeout: 5_000 });
    this.#llm = llm;
  }

  ask = step({ accepts: [Ask], emits: [Answer] }, async (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ line: "asking" }));
    return new Answer({ text: await this.#llm(ev.question) });
  });

  reply = step(
    { accepts: [Answer], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev.text }),
  );
}
// #endregion workflow

const realModel: Llm = () => Promise.reject(new Error("tests never call the real model"));

// #region test-run
describe("AnswerWorkflow", () => {
  it("answers with what the model said", async () => {
    const fakeModel: Llm = async (prompt) => `echo: ${prompt}`;
    const { result, stream, emitted, history } = await testRun(new AnswerWorkflow(fakeModel), {
      question: "hi",
    });
    expect(result).toBe("echo: hi");
    // What a consumer of the stream sees: the progress line, then the stop event.
    expect(stream.map((e) => e.toJSON().type)).toEqual(["Progress", "StopEvent"]);
    // What the steps emitted, in order.
    expect(emitted.map((e) => e.toJSON().type)).toEqual(["Answer", "StopEvent"]);
    expect(history.map((r) => [r.step, r.status])).toEqual([
      ["ask", "completed"],
      ["reply", "completed"],
    ]);
  });

  it("replaces a step with a mock", async () => {
    const { result } = await testRun(
      new AnswerWorkflow(realModel),
      { question: "hi" },
      { mockSteps: { ask: (ev) => new Answer({ text: `mocked: ${ev.question}` }) } },
    );
    expect(result).toBe("mocked: hi");
  });

  it("gives back the model's own error instead of throwing", async () => {
    const { error, stream, status } = await testRun(new AnswerWorkflow(realModel), {
      question: "hi",
    });
    expect(status).toBe("failed");
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("tests never call the real model");
    expect(stream.at(-1)).toBeInstanceOf(WorkflowFailedEvent);
  });
});
// #endregion test-run
