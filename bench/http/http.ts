/**
 * HTTP: a three-step workflow served by `@eventloom/server` (`POST /workflows/:name/runs?wait=true`,
 * the run's result in the answer) against the floor, a bare Hono route on @hono/node-server that
 * parses the same JSON body, runs the same three steps as plain (async) function calls and
 * answers the same JSON shape with no engine behind it. Both listen
 * on 127.0.0.1 in this process; the load comes from autocannon in a child process (`load.mjs`,
 * so the load generator does not share this process's event loop): `httpRequests` requests over
 * `httpConnections` keep-alive connections. The figures: wall time per request (the inverse of
 * throughput; from the start of the load to its last response, timed in `load.mjs`) and
 * autocannon's latency percentiles.
 */
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer } from "@eventloom/server";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { z } from "zod";
import { type Row, measured } from "../report.js";
import { sample } from "../sample.js";
import type { EngineName, Sizes } from "../scenarios.js";

const BODY = JSON.stringify({ input: { i: 41 } });
const PATH = "/workflows/answer/runs?wait=true";

class Ask extends StartEvent.define({ i: z.number() }) {
  static override typeName = "Ask";
}

class Checked extends Event.define({ i: z.number() }) {
  static override typeName = "Checked";
}

class Priced extends Event.define({ i: z.number() }) {
  static override typeName = "Priced";
}

/** Requests served by each side, checked against what autocannon sent. */
const served: Record<EngineName, number> = { floor: 0, eventloom: 0, llamaindex: 0 };

/**
 * The three steps' work, shared by both sides: each adds one, so the answer (41 + 3 = 44) shows
 * that all three ran; the last one counts the request.
 */
const work = {
  check: async (i: number) => i + 1,
  price: async (i: number) => i + 1,
  answer: async (i: number, side: "floor" | "eventloom") => {
    served[side]++;
    return i + 1;
  },
};

/** The answer both sides give: 41 in, through three steps. */
const RESULT = 44;

class Answer extends Workflow {
  check = step({ accepts: [Ask], emits: [Checked] }, async (ev) => {
    return new Checked({ i: await work.check(ev.i) });
  });
  price = step({ accepts: [Checked], emits: [Priced] }, async (ev) => {
    return new Priced({ i: await work.price(ev.i) });
  });
  answer = step({ accepts: [Priced], emits: [StopEvent] }, async (ev) => {
    return new StopEvent({ result: await work.answer(ev.i, "eventloom") });
  });
}

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** The floor: the same route, the same three steps as plain calls, the same answer; no engine. */
function floorServer(): Promise<Listening> {
  const app = new Hono();
  app.post("/workflows/:name/runs", async (c) => {
    const body = (await c.req.json()) as { input?: { i?: unknown } };
    const i = body.input?.i;
    if (typeof i !== "number") return c.json({ error: { code: "bad_request" } }, 400);
    const result = await work.answer(await work.price(await work.check(i)), "floor");
    return c.json({ runId: randomUUID(), status: "completed", result }, 200);
  });
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

async function eventloomServer(): Promise<Listening> {
  const server = createServer({ workflows: { answer: new Answer() } });
  const listening = await server.listen({ port: 0, hostname: "127.0.0.1" });
  return { url: listening.url, close: () => listening.close() };
}

/** What autocannon's --json report holds that is read here. */
interface LoadReport {
  readonly "2xx": number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** From the start of the load to the last response, on the load process's clock (load.mjs). */
  readonly wallMs: number;
  /** Latency percentiles in ms, from every response's own time (load.mjs). */
  readonly latencyMs: { readonly p50: number; readonly p99: number };
}

/** The load generator: `load.mjs` in a child process, one autocannon run per job. */
export async function loadGenerator(): Promise<{
  run(url: string, requests: number, connections: number): Promise<LoadReport>;
  close(): void;
}> {
  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), "load.mjs"), [], {
    env,
    execArgv: [],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  type Message = { ready?: true; result?: LoadReport; error?: string };
  let waiting: ((message: Message) => void) | undefined;
  let exited: Error | undefined;
  child.on("message", (message: Message) => waiting?.(message));
  child.on("exit", (code) => {
    exited = new Error(`the autocannon process exited with ${String(code)}`);
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
    async run(url, requests, connections) {
      const reply = next();
      child.send({ url: `${url}${PATH}`, amount: requests, connections, body: BODY });
      const message = await reply;
      if (message.result === undefined) throw new Error(`autocannon: ${String(message.error)}`);
      return message.result;
    },
    close: () => child.disconnect(),
  };
}

/** Both sides' servers, listening on 127.0.0.1 (also used by `profile-http.ts`). */
export async function httpServers(): Promise<Record<"floor" | "eventloom", Listening>> {
  return { floor: await floorServer(), eventloom: await eventloomServer() };
}

export async function httpScenario(s: Sizes, _log: (line: string) => void): Promise<Row[]> {
  const n = s.httpRequests;
  const servers = await httpServers();
  const generator = await loadGenerator();
  const p50 = new Map<EngineName, number[]>([
    ["floor", []],
    ["eventloom", []],
  ]);
  const p99 = new Map<EngineName, number[]>([
    ["floor", []],
    ["eventloom", []],
  ]);
  try {
    // autocannon counts statuses, not bodies: one request per side first checks the answer.
    for (const side of ["floor", "eventloom"] as const) {
      const res = await fetch(`${servers[side].url}${PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: BODY,
      });
      const answer = (await res.json()) as { status?: unknown; result?: unknown };
      if (res.status !== 200 || answer.status !== "completed" || answer.result !== RESULT) {
        throw new Error(
          `http ${side}: expected 200 { status: "completed", result: ${RESULT} }, got ${res.status} ${JSON.stringify(answer)}`,
        );
      }
    }
    const sides = [{ name: "floor" as const }, { name: "eventloom" as const }];
    const perRequest = await sample(
      { reps: s.serviceReps, warmups: s.serviceWarmups },
      sides,
      async (side, warmUp) => {
        const before = served[side.name];
        const report = await generator.run(servers[side.name].url, n, s.httpConnections);
        const answered = served[side.name] - before;
        if (report["2xx"] !== n || report.non2xx + report.errors + report.timeouts > 0) {
          throw new Error(
            `http ${side.name}: ${report["2xx"]} of ${n} requests answered 2xx (${report.non2xx} other statuses, ${report.errors} errors, ${report.timeouts} timeouts)`,
          );
        }
        if (answered !== n) {
          throw new Error(`http ${side.name}: ${answered} runs served for ${n} requests`);
        }
        if (!warmUp) {
          p50.get(side.name)!.push(report.latencyMs.p50);
          p99.get(side.name)!.push(report.latencyMs.p99);
        }
        return (report.wallMs * 1e6) / n;
      },
    );
    const values = (samples: Map<EngineName, number[]>, scale: number): Row["values"] => {
      const out: Row["values"] = { llamaindex: "no server" };
      for (const [name, xs] of samples) out[name] = measured(xs.map((x) => x * scale));
      return out;
    };
    const what = `3 steps, ${n} requests, ${s.httpConnections} connections`;
    return [
      {
        scenario: "http",
        label: `http POST ${PATH} (${what})`,
        unit: "per request",
        kind: "ns",
        values: values(perRequest, 1),
        note: "wall time of the whole load over the requests: 1 / throughput",
      },
      {
        scenario: "http",
        label: "http latency p50",
        unit: "per request",
        kind: "ns",
        values: values(p50, 1e6),
      },
      {
        scenario: "http",
        label: "http latency p99",
        unit: "per request",
        kind: "ns",
        values: values(p99, 1e6),
      },
    ];
  } finally {
    generator.close();
    await servers.floor.close();
    await servers.eventloom.close();
  }
}
