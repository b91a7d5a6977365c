// One or two workers and a client in this process, on the real broker and database.
import {
  type RemoteEvent,
  type RemoteHandler,
  RemoteRunError as HttpRunError,
} from "@eventloom/client";
import { WorkflowValidationError } from "@eventloom/core";
import { firstValueFrom, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { NatsError, RemoteRunError, natsClient, natsWorker } from "../src/index.js";
import { useServices } from "./support/services.js";
import { OrderWorkflow } from "./support/workflows.js";

const svc = useServices();

/** Reads the run's stream until its AskApproval, then answers it; resolves with all events. */
async function approveWhenAsked(run: RemoteHandler, ok = true): Promise<RemoteEvent[]> {
  const seen: RemoteEvent[] = [];
  for await (const ev of run.streamEvents()) {
    seen.push(ev);
    if (ev.type === "AskApproval") await run.sendEvent({ type: "Approval", data: { ok } });
  }
  return seen;
}

async function setup(options: { concurrency?: number; claimMs?: number } = {}) {
  const nc = await svc.connect();
  const journal = svc.journal({ claimMs: options.claimMs ?? 5_000 });
  const worker = await natsWorker(nc, {
    workflows: [new OrderWorkflow({ journal, timeout: 60_000 })],
    concurrency: options.concurrency ?? 10,
    prefix: svc.prefix,
    ackWaitMs: 3_000,
    maxBytes: 64 * 1024 * 1024,
  });
  svc.defer(() => worker.close());
  const client = natsClient(nc, { prefix: svc.prefix, maxBytes: 64 * 1024 * 1024 });
  return { nc, journal, worker, client };
}

describe("a run on a worker", () => {
  it("streams in order, takes an answer, completes, and replays its stream to a late consumer", async () => {
    const { client, journal } = await setup();
    const run = await client.run("OrderWorkflow", { orderId: "o-1" });
    expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);
    const live = await approveWhenAsked(run);
    expect(live.map((e) => [e.seq, e.type])).toEqual([
      [0, "Progress"],
      [1, "AskApproval"],
      [2, "Progress"],
      [3, "StopEvent"],
    ]);
    expect(live[3]!.data).toEqual({ result: "o-1 shipped" });
    expect(await run.result()).toBe("o-1 shipped");
    expect(await run.status()).toEqual({
      runId: run.runId,
      workflow: "OrderWorkflow",
      status: "completed",
      result: "o-1 shipped",
    });
    // A consumer that comes after the end gets the whole stream, from the broker.
    const again = client.handle(run.runId);
    expect([...(await collect(again.streamEvents()))]).toEqual(live);
    expect((await collect(again.streamEvents({ from: 2 }))).map((e) => e.seq)).toEqual([2, 3]);
    expect(await firstValueFrom(again.events$.pipe(toArray()))).toEqual(live);
    const [info] = await journal.listRuns({ workflow: "OrderWorkflow" });
    expect(info).toMatchObject({ runId: run.runId, status: "completed" });
  });

  it("refuses events of a type the run does not accept, and data failing the schema", async () => {
    const { client } = await setup();
    const run = await client.run("OrderWorkflow", { orderId: "o-2" });
    for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") break;

    const notAccepted = await run.sendEvent({ type: "Shipment", data: {} }).catch((e) => e);
    expect(notAccepted).toBeInstanceOf(NatsError);
    expect(notAccepted.code).toBe("EVENT_REJECTED");
    expect(notAccepted.message).toContain(
      'OrderWorkflow does not accept events of type "Shipment" from outside; it accepts:',
    );
    expect(notAccepted.message).toContain("Approval");
    // A start event is not for outsiders either.
    for (const type of ["OrderStart"]) {
      await expect(run.sendEvent({ type, data: { orderId: "x", ok: true } })).rejects.toThrow(
        `does not accept events of type "${type}"`,
      );
    }
    const badData = await run.sendEvent({ type: "Approval", data: { ok: "yes" } }).catch((e) => e);
    expect(badData.code).toBe("EVENT_REJECTED");
    expect(badData.message).toContain("Invalid data for event Approval: ok:");

    await run.sendEvent({ type: "Approval", data: { ok: false } });
    expect(await run.result()).toBe("o-2 cancelled");
    const ended = await run.sendEvent({ type: "Approval", data: { ok: true } }).catch((e) => e);
    expect(ended).toBeInstanceOf(NatsError);
    expect(ended.code).toBe("RUN_ENDED");
    expect(ended.message).toContain("has ended (completed)");
  });

  it("fails a run whose input fails the start event's schema, with the schema's message", async () => {
    const { client } = await setup();
    const run = await client.run("OrderWorkflow", { orderId: 42 });
    const error = await run.result().catch((e) => e);
    expect(error).toBeInstanceOf(RemoteRunError);
    expect(error).toBeInstanceOf(HttpRunError); // one class for both transports
    expect(error).toMatchObject({ status: "failed", code: "EVENT_VALIDATION", runId: run.runId });
    expect((error as Error).message).toContain("Invalid data for event OrderStart: orderId:");
    const events = await collect(run.streamEvents());
    expect(events.map((e) => e.type)).toEqual(["WorkflowFailedEvent"]);
  });

  it("cancels a live run", async () => {
    const { client } = await setup();
    const run = await client.run("OrderWorkflow", { orderId: "o-3" });
    for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") break;
    await run.cancel();
    const error = await run.result().catch((e) => e);
    expect(error).toMatchObject({ status: "cancelled", code: "CANCELLED" });
    const events = await collect(run.streamEvents());
    expect(events.at(-1)?.type).toBe("WorkflowCancelledEvent");
    await run.cancel(); // a finished run: nothing to do
  });

  it("names the known workflows when asked for an unknown one", async () => {
    const { client } = await setup();
    const error = await client.run("OrderWorkflw", { orderId: "o" }).catch((e) => e);
    expect(error).toBeInstanceOf(NatsError);
    expect(error.code).toBe("UNKNOWN_WORKFLOW");
    expect(error.message).toContain('No worker serves a workflow named "OrderWorkflw"');
    expect(error.message).toContain("known: OrderWorkflow");
    expect(await client.workflows()).toEqual(["OrderWorkflow"]);
    const missing = client.handle("no-such-run");
    await expect(missing.status()).rejects.toThrow("There is no run no-such-run");
    await expect(missing.result()).rejects.toMatchObject({ code: "RUN_NOT_FOUND" });
  });

  it("keeps at most `concurrency` runs live in a worker", async () => {
    let waiting = 0;
    let most = 0;
    const nc = await svc.connect();
    const journal = svc.journal();
    const wf = new OrderWorkflow({ journal, timeout: 60_000 }, (stepName) => {
      if (stepName === "approve") most = Math.max(most, ++waiting);
      if (stepName === "ship") waiting--;
    });
    const worker = await natsWorker(nc, {
      workflows: [wf],
      concurrency: 3,
      prefix: svc.prefix,
      ackWaitMs: 3_000,
    });
    svc.defer(() => worker.close());
    const client = natsClient(nc, { prefix: svc.prefix });
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.run("OrderWorkflow", { orderId: `c-${i}` })),
    );
    await Promise.all(runs.map((run) => approveWhenAsked(run)));
    expect(await Promise.all(runs.map((r) => r.result()))).toEqual(
      runs.map((_, i) => `c-${i} shipped`),
    );
    expect(most).toBe(3);
    // result() resolves once the worker has published the run's state; the worker lets go of
    // the run (acks its request) right after, and close() waits for that.
    await worker.close();
    expect(worker.active).toBe(0);
  });
});

describe("options and connections", () => {
  it("rejects bad options with what is wrong and how to fix it", async () => {
    const nc = await svc.connect();
    const journal = svc.journal();
    const wf = new OrderWorkflow({ journal });
    await expect(natsWorker(nc, { workflows: [] })).rejects.toThrow(
      "workflows must list at least one workflow instance",
    );
    await expect(
      natsWorker(nc, { workflows: [new OrderWorkflow({})], prefix: svc.prefix }),
    ).rejects.toThrow("OrderWorkflow has no journal");
    await expect(natsWorker(nc, { workflows: [wf], concurency: 2 } as never)).rejects.toThrow(
      'unknown option "concurency" (did you mean concurrency?)',
    );
    await expect(natsWorker(nc, { workflows: [wf], concurrency: 0 })).rejects.toThrow(
      "concurrency must be an integer >= 1; got 0",
    );
    await expect(natsWorker(nc, { workflows: { "a.b": wf } })).rejects.toThrow(
      'the workflow name "a.b" cannot be a subject token',
    );
    await expect(natsWorker({} as never, { workflows: [wf] })).rejects.toBeInstanceOf(
      WorkflowValidationError,
    );
    expect(() => natsClient(nc, { prefix: "a.b" })).toThrow("prefix must be letters");
    expect(() => natsClient(nc, { prefx: "x" } as never)).toThrow("did you mean prefix?");
  });

  it("names host:port when the broker is down or the connection is gone", async () => {
    const { connectNats } = await import("../src/index.js");
    const down = await connectNats({ servers: "127.0.0.1:4999", reconnect: false }).catch((e) => e);
    expect(down).toBeInstanceOf(NatsError);
    expect(down.code).toBe("UNAVAILABLE");
    expect(down.message).toContain("Cannot connect to NATS at 127.0.0.1:4999");
    expect(down.message).toContain("nats-server");

    const nc = await svc.connect();
    const client = natsClient(nc, { prefix: svc.prefix });
    await nc.close();
    const gone = await client.run("OrderWorkflow", {}).catch((e) => e);
    expect(gone).toBeInstanceOf(NatsError);
    expect(gone.code).toBe("UNAVAILABLE");
    expect(gone.message).toContain("NATS at 127.0.0.1:4222");
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}
