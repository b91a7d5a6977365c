// #region workflow
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { Event, StartEvent, StopEvent, Workflow, WorkflowFailedEvent, step } from "@eventloom/core";

class Ask extends StartEvent.define({ question: z.string() }) {}
class Answer extends Event.define({ text: z.string() }) {}
class Progress extends Event.define({ line: z.string() }) {}

/** The outside world, injected so that a test can replace it. */
type Llm = (prompt: string) => Promise<string>;

class AnswerWorkflow extends Workflow {
  constructor(private readonly llm: Llm) {
    super({ timeout: 5_000 });
  }

  ask = step({ accepts: [Ask], emits: [Answer] }, async (ev, ctx) => {
    ctx.writeEventToStream(new Progress({ line: "asking" }));
    return new Answer({ text: await this.llm(ev.question) });
  });

  reply = step(
    { accepts: [Answer], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev.text }),
  );
}
// #endregion workflow

// #region tests
describe("AnswerWorkflow", () => {
  const fakeLlm: Llm = async (prompt) => `echo: ${prompt}`;

  it("answers with what the model said", async () => {
    await expect(new AnswerWorkflow(fakeLlm).run({ question: "hi" })).resolves.toBe("echo: hi");
  });

  it("streams progress, then the stop event", async () => {
    const handler = new AnswerWorkflow(fakeLlm).run({ question: "hi" });
    const seen: string[] = [];
    for await (const ev of handler.streamEvents()) seen.push(ev.toJSON().type);
    expect(seen).toEqual(["Progress", "StopEvent"]);
  });

  it("runs each step once, in order", async () => {
    const handler = new AnswerWorkflow(fakeLlm).run({ question: "hi" });
    await handler;
    expect(handler.history.map((r) => [r.step, r.status])).toEqual([
      ["ask", "completed"],
      ["reply", "completed"],
    ]);
  });

  it("fails with the model's own error", async () => {
    const down: Llm = async () => {
      throw new TypeError("model unavailable");
    };
    const handler = new AnswerWorkflow(down).run({ question: "hi" });
    let last: Event | undefined;
    for await (const ev of handler.streamEvents()) last = ev;
    expect(last).toBeInstanceOf(WorkflowFailedEvent);
    await expect(handler).rejects.toThrow(TypeError);
  });

  it("is valid: every event is produced and consumed", () => {
    // run() validates synchronously and throws WorkflowValidationError for a broken graph.
    expect(() => new AnswerWorkflow(fakeLlm).run({ question: "hi" }).cancel()).not.toThrow();
  });
});
// #endregion tests
