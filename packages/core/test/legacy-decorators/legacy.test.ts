import { expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "../../src/index.js";

class Doubled extends Event.define({ n: z.number() }) {}

class LegacyWorkflow extends Workflow {
  @step({ accepts: [StartEvent], emits: [Doubled] })
  async start(ev: StartEvent) {
    return new Doubled({ n: Number(ev["n"]) * 2 });
  }

  @step({ accepts: [Doubled], emits: [StopEvent] })
  finish(ev: Doubled) {
    return new StopEvent({ result: ev.n });
  }
}

it("runs decorated methods compiled with the legacy experimentalDecorators convention", async () => {
  expect(await new LegacyWorkflow().run({ n: 21 })).toBe(42);
});
