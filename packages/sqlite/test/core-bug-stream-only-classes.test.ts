// Found by the crash test: a journaled run's stream could not be replayed
// (`handler.streamEvents({ from: 0 })`) when it held an event of a class that steps only write
// to the stream (`ctx.writeEventToStream(new Progress(...))`, the usual progress event):
// `reviveEvent` knew only the classes steps accept, emit, wait for or `static externalEvents`
// lists, and threw WorkflowRuntimeError 'has no event type "Progress"', even in the process that
// wrote the stream. Core's working tree fixes it (runtime/streamed-events.ts, not committed when
// this test was written): this is its regression test from the journal's side.
import { Event, StartEvent, StopEvent, Workflow, eventTypeName, step } from "@eventloom/core";
import type { EventClass } from "@eventloom/core";
import { expect, it } from "vitest";
import { z } from "zod";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();

class Progress extends Event.define({ label: z.string() }, { name: "Progress" }) {}

class Report extends Workflow {
  static override workflowName = "Report";
  go = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
    ctx.writeEventToStream(new Progress({ label: "half way" }));
    return new StopEvent({ result: "done" });
  });
}

it("replays a stream holding events that steps only write to the stream", async () => {
  const h = new Report({ journal: temp.open() }).run();
  expect(await h).toBe("done");
  const types: string[] = [];
  for await (const ev of h.streamEvents({ from: 0 }))
    types.push(eventTypeName(ev.constructor as EventClass));
  expect(types).toEqual(["Progress", "StopEvent"]);
});
