import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { drawAllPossibleFlows, drawMostRecentExecution, toMermaid } from "@eventloom/draw";

class Draft extends Event.define({ text: z.string() }) {}

class EssayWorkflow extends Workflow {
  write = step({ accepts: [StartEvent], emits: [Draft] }, () => new Draft({ text: "essay" }));
  publish = step(
    { accepts: [Draft], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev.text }),
  );
}

// #region draw
// Every step and event, as one self-contained HTML page (no network needed to view it).
const html = drawAllPossibleFlows(EssayWorkflow); // add { filename: "essay.html" } to write it
console.log(/^<!doctype html>/i.test(html), html.includes("publish")); // true true

// The path one run took.
const handler = new EssayWorkflow().run();
await handler;
const last = drawMostRecentExecution(handler); // { filename: "last-run.html" } to write it
console.log(last.includes("write")); // true

// Mermaid text, for Markdown pages and GitHub.
console.log(toMermaid(EssayWorkflow));
// #endregion draw
