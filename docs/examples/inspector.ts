import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { inspectorAssets, workflowGraph } from "@eventloom/inspector";
import { createServer } from "@eventloom/server";

class Review extends Event.define({ docId: z.string() }) {}
class Approval extends Event.define({ approved: z.boolean(), reviewer: z.string() }) {}

class PublishWorkflow extends Workflow {
  // Declared, so the server (and the inspector's form) knows the awaited event's schema.
  static override externalEvents = [Approval];
  start = step({ accepts: [StartEvent], emits: [Review] }, (ev) => {
    return new Review({ docId: String(ev["docId"]) });
  });
  review = step({ accepts: [Review], emits: [StopEvent] }, async (ev, ctx: Context) => {
    const answer = await ctx.waitForEvent(Approval);
    return new StopEvent({ result: `${ev.docId}: ${answer.approved ? "published" : "rejected"}` });
  });
}

// #region serve
const server = await createServer({
  workflows: { publish: new PublishWorkflow({ timeout: null }) },
  token: process.env["EVENTLOOM_TOKEN"] ?? "change-me",
  inspector: { jaegerUrl: "http://localhost:16686" }, // or inspector: true
}).listen({ port: 0 }); // port 0 picks a free port; use e.g. 8787 in your app
console.log(`inspector at ${server.url}/`.replace(/:\d+/, ":<port>"));
// Open that URL in a browser: it asks for the token once, then lists the runs live.
// #endregion serve

// What the page does, through the same public routes (token in the Authorization header).
const headers = { Authorization: "Bearer change-me", "Content-Type": "application/json" };
const page = await fetch(`${server.url}/`); // the page itself needs no token
console.log(page.headers.get("content-security-policy")?.startsWith("default-src 'none'"));

const started = await fetch(`${server.url}/workflows/publish/runs`, {
  method: "POST",
  headers,
  body: JSON.stringify({ input: { docId: "doc-1" } }),
});
const { runId } = (await started.json()) as { runId: string };

// The run page's step states: wait until `review` waits for an Approval (the page reads this
// as an SSE stream; polling the JSON form is enough here).
let waiting: { step: string; type: string; schema: { properties: object } }[] = [];
while (waiting.length === 0) {
  const steps = await fetch(`${server.url}/runs/${runId}/steps`, { headers });
  ({ waiting } = (await steps.json()) as { waiting: typeof waiting });
}
console.log(waiting[0]!.step, waiting[0]!.type, Object.keys(waiting[0]!.schema.properties));

// The form posts the answer; the run completes.
await fetch(`${server.url}/runs/${runId}/events`, {
  method: "POST",
  headers,
  body: JSON.stringify({ type: "Approval", data: { approved: true, reviewer: "ada" } }),
});
const done = await fetch(`${server.url}/runs/${runId}?wait=true`, { headers });
console.log(
  await done.json().then((r: { status: string; result: string }) => [r.status, r.result]),
);
await server.close();

// #region assets
// Serving the page from your own HTTP stack instead: the files by path, with their type and
// the Content-Security-Policy; the page calls the server routes relative to where it is.
const { files, contentSecurityPolicy } = inspectorAssets();
console.log([...files.keys()].sort(), contentSecurityPolicy.includes("script-src 'self'"));

// The graph the run page draws (GET /workflows serves it as `graph`), laid out like
// drawAllPossibleFlows from @eventloom/draw.
const graph = workflowGraph(new PublishWorkflow());
console.log(graph.nodes.filter((n) => n.kind === "step").map((n) => n.label));
// #endregion assets
