import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { inspectorAssets, workflowGraph } from "@eventloom/inspector";
import { z } from "zod";

class Draft extends Event.define({ text: z.string() }, { name: "Draft" }) {}

class Essay extends Workflow {
  write = step({ accepts: [StartEvent], emits: [Draft] }, () => new Draft({ text: "essay" }));
  publish = step({ accepts: [Draft], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: ev.text });
  });
}

// The page's files by URL path, to serve from any HTTP stack (createServer({ inspector: true })
// in @eventloom/server does exactly this, next to the routes the page calls).
const { files, contentSecurityPolicy } = inspectorAssets({ jaegerUrl: "http://localhost:16686" });
const server = createServer((req, res) => {
  const file = files.get(new URL(req.url ?? "/", "http://localhost").pathname);
  if (file === undefined) return void res.writeHead(404).end();
  res.writeHead(200, {
    "Content-Type": file.contentType,
    "Content-Security-Policy": contentSecurityPolicy,
  });
  res.end(file.body);
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
const page = await fetch(`http://127.0.0.1:${port}/`);
console.log(page.status, page.headers.get("content-type")); // 200 "text/html; charset=utf-8"
server.close();

// The laid-out graph the page draws (GET /workflows serves it as `graph`): the same boxes as
// drawAllPossibleFlows from @eventloom/draw, as JSON.
const graph = workflowGraph(new Essay());
console.log(graph.nodes.map((n) => `${n.kind} ${n.label}`).sort());
// [ "event Draft", "event StartEvent", "event StopEvent", "step publish", "step write" ]
