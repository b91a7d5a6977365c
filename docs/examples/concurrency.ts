import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// #region fan-out
class Fetch extends Event.define({ source: z.string() }) {}
class Fetched extends Event.define({ source: z.string(), score: z.number() }) {}

class ResearchWorkflow extends Workflow {
  // Fan-out: send one event per source; each is handled by its own worker.
  start = step({ accepts: [StartEvent], emits: [Fetch] }, (_ev, ctx) => {
    for (const source of ["news", "forum", "filings"]) ctx.sendEvent(new Fetch({ source }));
  });

  // Up to 3 invocations of this step run at once (default 4).
  fetch = step({ accepts: [Fetch], emits: [Fetched], numWorkers: 3 }, async (ev) => {
    await sleep(300); // an API call
    return new Fetched({ source: ev.source, score: ev.source.length });
  });

  // Fan-in: collectEvents returns null until all three have arrived, then the batch.
  combine = step({ accepts: [Fetched], emits: [StopEvent] }, (ev, ctx) => {
    const batch = ctx.collectEvents(ev, Fetched, { count: 3 });
    if (batch === null) return null;
    const sources = batch.map((e) => e.source).sort();
    return new StopEvent({ result: sources.join("+") });
  });
}
// #endregion fan-out

const started = performance.now();
console.log(await new ResearchWorkflow().run()); // filings+forum+news
const elapsed = performance.now() - started;
console.log(elapsed < 850 ? "concurrent" : `sequential (${elapsed} ms)`); // concurrent

// #region collect-list
class WsbSentiment extends Event.define({ mood: z.string() }) {}
class WsjSentiment extends Event.define({ mood: z.string() }) {}
class Prediction extends Event.define({ mood: z.string() }) {}

class VoteWorkflow extends Workflow {
  start = step(
    { accepts: [StartEvent], emits: [WsbSentiment, WsjSentiment, Prediction] },
    (_ev, ctx) => {
      ctx.sendEvent(new Prediction({ mood: "Bullish" }));
      ctx.sendEvent(new WsjSentiment({ mood: "Bearish" }));
      ctx.sendEvent(new WsbSentiment({ mood: "Bullish" }));
    },
  );

  // One event of each class, returned in the order of the list, whatever the arrival order.
  decide = step(
    { accepts: [WsbSentiment, WsjSentiment, Prediction], emits: [StopEvent] },
    (ev, ctx: Context) => {
      const votes = ctx.collectEvents(ev, [WsbSentiment, WsjSentiment, Prediction]);
      if (votes === null) return null;
      const [wsb, wsj, prediction] = votes;
      return new StopEvent({ result: `${wsb.mood}/${wsj.mood}/${prediction.mood}` });
    },
  );
}
// #endregion collect-list

console.log(await new VoteWorkflow().run()); // Bullish/Bearish/Bullish
