// SSE delivery of a 20 000-event stream: @eventloom/server's GET /runs/:id/events against a bare
// Hono SSE route on @hono/node-server writing the same frames (no engine). Both on 127.0.0.1 in
// this process; the client reads each body to its end. Prints the median of 7 rounds and the
// ratio (target <= 1.5). Run: node --conditions=@eventloom/source --import tsx bench/sse.ts
import type { AddressInfo } from "node:net";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer } from "@eventloom/server";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";

const EVENTS = 20_000;
const ROUNDS = 7;

class Tick extends Event.define({ i: z.number() }) {
  static override typeName = "Tick";
}
class Gate extends Event.define({}) {
  static override typeName = "Gate";
}
class Ticker extends Workflow {
  static override externalEvents = [Gate];
  tick = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    await ctx.waitForEvent(Gate);
    for (let i = 0; i < EVENTS; i++) ctx.writeEventToStream(new Tick({ i }));
    return new StopEvent({ result: EVENTS });
  });
}

const encoder = new TextEncoder();
const bare = new Hono();
bare.get("/events", (c) => {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      let chunk = "";
      for (let n = 0; n < 500 && i < EVENTS; n++, i++) {
        chunk += `id: ${i}\nevent: Tick\ndata: ${JSON.stringify({ type: "Tick", data: { i } })}\n\n`;
      }
      if (i === EVENTS) {
        chunk += `id: ${i}\nevent: StopEvent\ndata: ${JSON.stringify({ type: "StopEvent", data: { result: EVENTS } })}\n\n`;
        controller.enqueue(encoder.encode(chunk));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(chunk));
    },
  });
  return c.body(body, 200, { "Content-Type": "text/event-stream" });
});
const bareServer = serve({ fetch: bare.fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((resolve) => bareServer.once("listening", resolve));
const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

const server = await createServer({ workflows: { ticker: new Ticker({ timeout: null }) } }).listen({
  port: 0,
});

async function drain(url: string): Promise<number> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
    bytes += chunk.byteLength;
  return bytes;
}

async function eventloomRound(): Promise<number> {
  const started = await fetch(`${server.url}/workflows/ticker/runs`, { method: "POST" });
  const answer = (await started.json()) as { runId: string };
  if (started.status !== 201) throw new Error(JSON.stringify(answer));
  const { runId } = answer;
  const t = performance.now();
  const reading = drain(`${server.url}/runs/${runId}/events`);
  await fetch(`${server.url}/runs/${runId}/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "Gate", data: {} }),
  });
  const bytes = await reading;
  if (bytes < EVENTS * 40) throw new Error(`the eventloom stream was cut short: ${bytes} bytes`);
  return performance.now() - t;
}

async function bareRound(): Promise<number> {
  const t = performance.now();
  const bytes = await drain(`${bareUrl}/events`);
  if (bytes < EVENTS * 40) throw new Error(`the bare stream was cut short: ${bytes} bytes`);
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const e: number[] = [];
const b: number[] = [];
await eventloomRound();
await bareRound();
for (let r = 0; r < ROUNDS; r++) {
  b.push(await bareRound());
  e.push(await eventloomRound());
}
const [me, mb] = [median(e), median(b)];
console.log(
  `SSE ${EVENTS} events: eventloom ${me.toFixed(1)} ms, bare Hono ${mb.toFixed(1)} ms, ratio ${(me / mb).toFixed(2)}x (target <= 1.5)`,
);
await server.close();
bareServer.close();
