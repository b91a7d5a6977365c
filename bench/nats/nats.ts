/**
 * NATS: runs of a one-step workflow through `@eventloom/nats` (a `natsClient` queues each run
 * with `client.run()`, a `natsWorker` in this process pulls it, runs it and acks it, the client
 * awaits `result()`) against the floor: the same number of messages published to a JetStream
 * work-queue stream of the same settings, pulled by a consumer and acked, with
 * @nats-io/jetstream directly. Everything is started at once. Streams under a prefix of their
 * own per bench run, deleted after. Skipped with the reason when no NATS with JetStream answers
 * at 127.0.0.1:4222 (EVENTLOOM_TEST_NATS points elsewhere).
 *
 * The worker's workflow journals to `memoryJournal()`: these rows measure the broker path; what
 * a shared database adds is the `postgres` rows' business.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { StartEvent, StopEvent, Workflow, memoryJournal, step } from "@eventloom/core";
import { natsClient, natsNames, natsWorker } from "@eventloom/nats";
import {
  AckPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type NatsConnection, connect } from "@nats-io/transport-node";
import { z } from "zod";
import type { Row } from "../report.js";
import { perUnit, sample, timed } from "../sample.js";
import type { Sizes } from "../scenarios.js";
import { type Availability, reasonOf, requireUnlessLocal, skippedRow } from "../services.js";
import { natsScaleRow } from "./scale.js";

const NATS_URL = process.env["EVENTLOOM_TEST_NATS"] ?? "127.0.0.1:4222";
/** Runs live in the worker at once, and messages the floor's consumer holds at once. */
const CONCURRENCY = 100;
const MAX_BYTES = 256 * 1024 * 1024;
const NANOS_PER_MS = 1_000_000;

async function probe(): Promise<Availability> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3_000, reconnect: false });
    const js = nc.info?.jetstream === true;
    await nc.close();
    return js
      ? { ok: true }
      : { ok: false, reason: `NATS at ${NATS_URL} has no JetStream (start it with -js)` };
  } catch (error) {
    return {
      ok: false,
      reason: `no NATS at ${NATS_URL} (${reasonOf(error)}); start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`,
    };
  }
}

class NatsAsk extends StartEvent.define({ i: z.number() }) {
  static override typeName = "NatsAsk";
}

class NatsAnswer extends Workflow {
  answer = step(
    { accepts: [NatsAsk], emits: [StopEvent] },
    async (ev) => new StopEvent({ result: ev.i + 1 }),
  );
}

/** The floor's stream: the settings of @eventloom/nats's run-request stream. */
async function floorStream(nc: NatsConnection, prefix: string) {
  const jsm = await jetstreamManager(nc);
  const stream = `${prefix}_floor`;
  const subject = `${prefix}.floor.runs`;
  await jsm.streams.add({
    name: stream,
    subjects: [`${prefix}.floor.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Workqueue,
    discard: DiscardPolicy.New,
    max_bytes: MAX_BYTES,
    duplicate_window: 2 * 60 * 1000 * NANOS_PER_MS,
  });
  await jsm.consumers.add(stream, { durable_name: "floor", ack_policy: AckPolicy.Explicit });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(stream, "floor");

  /** Publishes `n` run requests at once; a consumer pulls and acks each. Returns how many it acked. */
  const run = async (n: number): Promise<number> => {
    let acked = 0;
    let sum = 0;
    const messages = await consumer.consume({ max_messages: CONCURRENCY });
    const pulled = (async () => {
      for await (const m of messages) {
        sum += (m.json<{ input: { i: number } }>().input.i as number) + 1;
        m.ack();
        if (++acked === n) break;
      }
    })();
    const published: Promise<unknown>[] = [];
    for (let k = 0; k < n; k++) {
      const runId = randomUUID();
      const body = JSON.stringify({ runId, workflow: "NatsAnswer", input: { i: 0 } });
      published.push(js.publish(subject, body, { msgID: runId }));
    }
    await Promise.all(published);
    await pulled;
    await messages.close();
    await nc.flush(); // the acks are on the server
    return sum;
  };
  const left = async () => (await jsm.streams.info(stream)).state.messages;
  return { run, left, remove: () => jsm.streams.delete(stream) };
}

async function eventloomRuns(client: ReturnType<typeof natsClient>, n: number): Promise<number> {
  const all: Promise<number>[] = [];
  for (let k = 0; k < n; k++) {
    all.push(client.run<number>("NatsAnswer", { i: 0 }).then((run) => run.result()));
  }
  return (await Promise.all(all)).reduce((a, b) => a + b, 0);
}

export async function natsScenario(s: Sizes, log: (line: string) => void): Promise<Row[]> {
  const n = s.natsMessages;
  const label = `nats (${n} runs at once: publish, pull, ack; ${CONCURRENCY} in flight)`;
  const server = await probe();
  if (!server.ok) {
    requireUnlessLocal(server.reason, log);
    return [skippedRow("nats", label, "per run", "ns", "skipped", server.reason, "no broker")];
  }
  const prefix = `el_bench_${randomBytes(4).toString("hex")}`;
  const nc = await connect({ servers: NATS_URL });
  const floor = await floorStream(nc, prefix);
  const worker = await natsWorker(nc, {
    workflows: [new NatsAnswer({ journal: memoryJournal() })],
    concurrency: CONCURRENCY,
    prefix,
    maxBytes: MAX_BYTES,
  });
  const client = natsClient(nc, { prefix, maxBytes: MAX_BYTES });
  try {
    const sides = [
      { name: "floor" as const, run: () => floor.run(n) },
      { name: "eventloom" as const, run: () => eventloomRuns(client, n) },
    ];
    const samples = await sample(
      { reps: s.serviceReps, warmups: s.serviceWarmups },
      sides,
      (side) => timed(`nats ${side.name}`, n, side.run),
    );
    const left = await floor.left();
    if (left !== 0) throw new Error(`nats floor: ${left} messages left unacked in the stream`);
    const scaling = await natsScaleRow(s, log, nc, NATS_URL, prefix);
    return [
      {
        scenario: "nats",
        label,
        unit: "per run",
        kind: "ns",
        values: { ...perUnit(samples, n), llamaindex: "no broker" },
        note: "Eventloom's worker journals to memoryJournal(); a run also stores its client's running state and its terminal stream event (with the end state), and replies to its client",
      },
      scaling,
    ];
  } finally {
    await worker.close().catch(() => {});
    const jsm = await jetstreamManager(nc);
    const names = natsNames(prefix);
    for (const stream of [names.runsStream, names.outStream, names.stateStream]) {
      await jsm.streams.delete(stream).catch(() => false);
    }
    await floor.remove().catch(() => false);
    await nc.close();
  }
}
