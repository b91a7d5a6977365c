// The "Testing your workflows" page's span samples, run by docs/test/testing.test.ts.
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
// #region spans
import { type SpanRecorder, recordSpans, testRun } from "@eventloom/testing";
import { afterEach, beforeEach, expect, it } from "vitest";
import { z } from "zod";

class Topic extends StartEvent.define({ topic: z.string() }) {}
class Search extends Event.define({ source: z.string() }) {}
class Found extends Event.define({ text: z.string() }) {}

const SOURCES = ["news", "filings", "forum"];

/** Fans out to one search per source, then fans the results back in. */
class Research extends Workflow {
  plan = step({ accepts: [Topic], emits: [Search] }, (_ev, ctx) => {
    for (const source of SOURCES) ctx.sendEvent(new Search({ source }));
  });
  search = step({ accepts: [Search], emits: [Found] }, async (ev) => {
    return new Found({ text: `${ev.source}: fine` });
  });
  summarize = step({ accepts: [Found], emits: [StopEvent] }, (ev, ctx) => {
    const found = ctx.collectEvents(ev, Found, { count: SOURCES.length });
    return found === null ? null : new StopEvent({ result: found.map((f) => f.text) });
  });
}

let recorder: SpanRecorder;
beforeEach(() => {
  recorder = recordSpans();
});
afterEach(() => recorder.shutdown());

it("links the fan-in to every search it collected", async () => {
  const { spans } = await testRun(new Research(), { topic: "otel" });
  expect(spans[0]?.name).toBe("invoke_workflow Research");
  expect(recorder.tree()).toMatchInlineSnapshot(`
    "invoke_workflow Research
      step plan
      step search #1 ← step plan
      step search #2 ← step plan
      step search #3 ← step plan
      step summarize #1 ← step search #1
      step summarize #2 ← step search #2
      step summarize #3 ← step search #3, step search #1, step search #2"
  `);
});
// #endregion spans
