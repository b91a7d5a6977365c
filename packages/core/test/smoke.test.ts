import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "../src/index.js";

class SecondStepEvent extends Event.define({ payload: z.string() }) {}
class ProgressEvent extends Event.define({ msg: z.string() }) {}

class SimpleWorkflow extends Workflow {
  start = step({ accepts: [StartEvent], emits: [SecondStepEvent] }, async (ev, ctx) => {
    ctx.writeEventToStream(new ProgressEvent({ msg: "started" }));
    return new SecondStepEvent({ payload: String(ev["payload"]) });
  });

  @step({ accepts: [SecondStepEvent], emits: [StopEvent] })
  async secondStep(ev: SecondStepEvent, _ctx: Context) {
    return new StopEvent({ result: ev.payload + "!" });
  }
}

describe("smoke", () => {
  it("runs a field step and a decorated step and streams", async () => {
    const h = new SimpleWorkflow().run({ payload: "hi" });
    const seen: string[] = [];
    for await (const ev of h.streamEvents()) seen.push(ev.constructor.name);
    expect(await h).toBe("hi!");
    expect(seen).toEqual(["ProgressEvent", "StopEvent"]);
  });
});
