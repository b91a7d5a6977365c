// A slow consumer of a run's stream: the worker never waits for it and keeps nothing for it (the
// stream is in JetStream), and the client pulls a bounded batch at a time (unbounded, this test
// fails: it would pull the whole stream into memory), so the run ends at its own pace and memory
// does not grow with what the consumer has not read; the consumer then gets every event, in order.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { StartEvent, StopEvent, Workflow, step, Event } from "@eventloom/core";
import { expect, it } from "vitest";
import { z } from "zod";
import { natsClient, natsWorker } from "../src/index.js";
import { useServices } from "./support/services.js";

const svc = useServices();
const EVENTS = 4_000;
/** Each streamed event carries 4 KiB: the whole stream is 16 MiB. */
const PAYLOAD = "x".repeat(4_096);

class Chunk extends Event.define({ i: z.number(), text: z.string() }) {
  static override typeName = "Chunk";
}

class Chatty extends Workflow {
  static override workflowName = "Chatty";
  talk = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    for (let i = 0; i < EVENTS; i++) {
      ctx.writeEventToStream(new Chunk({ i, text: PAYLOAD }));
      // A turn of the event loop now and then, as a step doing I/O between writes would.
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    return new StopEvent({ result: EVENTS });
  });
}

function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it("a consumer that stops reading holds up neither the run nor the worker's memory, and later reads the whole stream in order", async () => {
  const nc = await svc.connect();
  const worker = await natsWorker(nc, {
    workflows: [new Chatty({ journal: svc.journal(), timeout: 120_000 })],
    concurrency: 4,
    prefix: svc.prefix,
    maxBytes: 64 * 1024 * 1024,
  });
  svc.defer(() => worker.close());
  const client = natsClient(nc, { prefix: svc.prefix, maxBytes: 64 * 1024 * 1024 });

  const before = heapAfterGc();
  const run = await client.run("Chatty", {});
  const stream = run.streamEvents()[Symbol.asyncIterator]();
  const first = await stream.next();
  expect(first.value).toMatchObject({ seq: 0, type: "Chunk", data: { i: 0 } });
  // The consumer reads nothing more until the run has ended.
  expect(await run.result()).toBe(EVENTS);
  const grown = heapAfterGc() - before;
  // Nothing in this process keeps the 16 MiB the consumer has not read (a client prefetches a
  // bounded batch; the worker keeps nothing of a settled run's stream).
  expect(grown).toBeLessThan((EVENTS * PAYLOAD.length) / 4);

  const seqs = [0];
  for (let r = await stream.next(); r.done !== true; r = await stream.next()) {
    seqs.push(r.value.seq);
    if (r.value.type === "Chunk") expect(r.value.data).toMatchObject({ i: r.value.seq });
  }
  expect(seqs).toEqual(Array.from({ length: EVENTS + 1 }, (_, i) => i));
});
