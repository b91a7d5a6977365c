/**
 * SSE delivery: one run of `@eventloom/server` writes `sseEvents` events to its stream, which a
 * client reads to the end over `GET /runs/:id/events`, against the floor, a bare Hono route on
 * @hono/node-server (`hono/streaming`'s `streamSSE`) writing the same frames (same ids, event
 * names and JSON, then the same `: end` comment) with no engine behind it. Both listen on
 * 127.0.0.1 in this process; the client is `sse-reader.mjs` in a child process (fetch and an SSE
 * parser that checks every frame). Eventloom's run waits for a `Gate` event first, so its events
 * are written while the client reads (a live stream, not a replay): its time runs from the GET
 * to the body's end and includes the `POST /runs/:id/events` that opens the gate. The floor's,
 * from its GET to the body's end.
 */
import { fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer } from "@eventloom/server";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { z } from "zod";
import type { Row } from "../report.js";
import { perUnit, sample } from "../sample.js";
import type { Sizes } from "../scenarios.js";

class Tick extends Event.define({ i: z.number() }) {
  static override typeName = "Tick";
}

class Gate extends Event.define({}) {
  static override typeName = "Gate";
}

function ticker(events: number) {
  return class Ticker extends Workflow {
    static override externalEvents = [Gate];
    tick = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
      await ctx.waitForEvent(Gate);
      for (let i = 0; i < events; i++) ctx.writeEventToStream(new Tick({ i }));
      return new StopEvent({ result: events });
    });
  };
}

interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** The frame Eventloom's route writes for the i-th Tick. */
const tick = (i: number) => ({
  id: String(i),
  event: "Tick",
  data: JSON.stringify({ type: "Tick", data: { i } }),
});

/** How many frames the batched floor writes per `stream.write`. */
const BATCH = 500;

/**
 * The floor: `streamSSE` writing the frames Eventloom's route writes. `GET /events` awaits one
 * `writeSSE` per event, as a Hono handler is written; `GET /events/batched` formats the same
 * frames itself and writes them `BATCH` at a time (Eventloom's route writes whatever the run
 * has recorded since its last write in one chunk, so this is the floor of that).
 */
function floorServer(events: number): Promise<Listening> {
  const stop = {
    id: String(events),
    event: "StopEvent",
    data: JSON.stringify({ type: "StopEvent", data: { result: events } }),
  };
  const app = new Hono();
  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      for (let i = 0; i < events; i++) await stream.writeSSE(tick(i));
      await stream.writeSSE(stop);
      await stream.write(": end\n\n");
    }),
  );
  const frame = (f: { id: string; event: string; data: string }) =>
    `id: ${f.id}\nevent: ${f.event}\ndata: ${f.data}\n\n`;
  app.get("/events/batched", (c) =>
    streamSSE(c, async (stream) => {
      let chunk = "";
      for (let i = 0; i < events; i++) {
        chunk += frame(tick(i));
        if ((i + 1) % BATCH === 0) {
          await stream.write(chunk);
          chunk = "";
        }
      }
      await stream.write(`${chunk}${frame(stop)}: end\n\n`);
    }),
  );
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      resolve({
        url: `http://127.0.0.1:${(info as AddressInfo).port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}

async function eventloomServer(events: number): Promise<Listening> {
  const Ticker = ticker(events);
  // Few finished runs kept: each holds its whole recorded stream.
  const server = createServer({
    workflows: { ticker: new Ticker({ timeout: null }) },
    retainRuns: 2,
  });
  const listening = await server.listen({ port: 0, hostname: "127.0.0.1" });
  return { url: listening.url, close: () => listening.close() };
}

/** What the reader sends back for one stream. */
interface Read {
  readonly ms: number;
  readonly ticks: number;
  readonly result: unknown;
  readonly ended: boolean;
}

/** The SSE client: `sse-reader.mjs` in a child process, one stream per job. */
async function reader(): Promise<{
  read(side: "floor" | "eventloom", url: string): Promise<Read>;
  close(): void;
}> {
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), "sse-reader.mjs"), [], {
    env,
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  type Message = { ready?: true; result?: Read; error?: string };
  let waiting: ((message: Message) => void) | undefined;
  let exited: Error | undefined;
  child.on("message", (message: Message) => waiting?.(message));
  child.on("exit", (code) => {
    exited = new Error(`the SSE reader process exited with ${String(code)}`);
    waiting?.({ error: exited.message });
  });
  const next = () =>
    new Promise<Message>((resolve) => {
      if (exited !== undefined) resolve({ error: exited.message });
      else waiting = resolve;
    });
  const ready = await next();
  if (ready.error !== undefined) throw new Error(ready.error);
  return {
    async read(side, url) {
      const reply = next();
      child.send({ side, url });
      const message = await reply;
      if (message.result === undefined) throw new Error(`SSE reader: ${String(message.error)}`);
      return message.result;
    },
    close: () => child.disconnect(),
  };
}

export async function sseScenario(s: Sizes, _log: (line: string) => void): Promise<Row[]> {
  const n = s.sseEvents;
  const servers: Record<"floor" | "eventloom", Listening> = {
    floor: await floorServer(n),
    eventloom: await eventloomServer(n),
  };
  const client = await reader();
  const measure = (floorPath: string) =>
    sample(s, [{ name: "floor" as const }, { name: "eventloom" as const }], async (side) => {
      const url =
        side.name === "floor" ? `${servers.floor.url}${floorPath}` : servers.eventloom.url;
      const got = await client.read(side.name, url);
      if (got.ticks !== n || got.result !== n || !got.ended) {
        throw new Error(
          `sse ${side.name}: read ${got.ticks} of ${n} Ticks, StopEvent result ${String(got.result)}, ${got.ended ? "" : "no "}": end"`,
        );
      }
      return got.ms;
    });
  try {
    const perEvent = await measure("/events");
    const batched = await measure("/events/batched");
    return [
      {
        scenario: "sse",
        label: `sse GET /runs/:id/events (1 run streams ${n} events, read to the end)`,
        unit: "per event",
        kind: "ns",
        values: { ...perUnit(perEvent, n), llamaindex: "no server" },
        note: "from the GET to the body's end, on the client's clock (Eventloom's includes the POST that lets its run start writing); the floor is streamSSE with one awaited writeSSE per event",
      },
      {
        scenario: "sse",
        label: `sse against a floor writing ${BATCH} frames per write`,
        unit: "per event",
        kind: "ns",
        values: { ...perUnit(batched, n), llamaindex: "no server" },
        note: `the same, against streamSSE writing the same bytes ${BATCH} frames per stream.write (Eventloom's route writes what the run recorded since its last write in one chunk)`,
      },
    ];
  } finally {
    client.close();
    await servers.floor.close();
    await servers.eventloom.close();
  }
}
