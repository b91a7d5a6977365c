// A client process for the multi-process tests: starts EL_RUNS runs of FanWorkflow through
// natsClient (at most EL_WINDOW at once), each inside a span of its own, reads each run's stream
// and answers its AskRelease with an Approval (sent again if its worker died while handling it). Prints one JSON line per fact: {kind:"started"},
// {kind:"answered"}, {kind:"done", events, result}, {kind:"error"}, then {kind:"finished"}.
import { connect } from "@nats-io/transport-node";
import { trace } from "@opentelemetry/api";
import type { RemoteEvent, RemoteHandler } from "@eventloom/client";
import { NatsError, natsClient } from "../../src/index.js";
import { traceToFile } from "./span-file.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`client-process needs ${name}`);
  return value;
};
traceToFile(process.env["EL_SPANS"]);
const runs = Number(env("EL_RUNS"));
const parts = Number(env("EL_PARTS"));
const window = Number(env("EL_WINDOW"));
const say = (fact: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(fact)}\n`);

const nc = await connect({ servers: env("EL_NATS") });
const client = natsClient(nc, { prefix: env("EL_PREFIX"), timeoutMs: 60_000 });
const tracer = trace.getTracer("nats-test-client");

/**
 * Sends the Approval. A worker killed while it handles the request never answers: the send
 * fails UNAVAILABLE ("may or may not have been journaled"), and is sent again, as an application
 * would: a second Approval for a run that already has one is harmless (nothing waits for it) or
 * refused (RUN_ENDED, the first one landed). Resolves with how many times it was sent again.
 */
async function approve(run: RemoteHandler): Promise<number> {
  for (let retries = 0; ; retries++) {
    try {
      await run.sendEvent({ type: "Approval", data: { ok: true } });
      return retries;
    } catch (error) {
      if (!(error instanceof NatsError) || retries >= 3) throw error;
      if (error.code === "RUN_ENDED" && retries > 0) return retries;
      if (error.code !== "UNAVAILABLE") throw error;
    }
  }
}

async function one(i: number): Promise<void> {
  const orderId = `o-${i}`;
  await tracer.startActiveSpan(`client order ${orderId}`, async (span) => {
    try {
      const run = await client.run("FanWorkflow", { orderId, parts });
      say({ kind: "started", i, runId: run.runId, traceId: span.spanContext().traceId });
      const events: RemoteEvent[] = [];
      let answered = false;
      for await (const ev of run.streamEvents()) {
        events.push(ev);
        if (ev.type === "AskRelease" && !answered) {
          answered = true;
          say({ kind: "answered", i, retries: await approve(run) });
        }
      }
      const result = await run.result();
      say({ kind: "done", i, runId: run.runId, result, events });
    } catch (error) {
      say({ kind: "error", i, message: error instanceof Error ? error.message : String(error) });
    } finally {
      span.end();
    }
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: Math.min(window, runs) }, async () => {
    while (next < runs) await one(next++);
  }),
);
say({ kind: "finished" });
await nc.drain();
process.exit(0);
