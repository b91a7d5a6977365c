// The client against a real server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { firstValueFrom, toArray } from "rxjs";
import { createServer, type ListeningServer } from "@eventloom/server";
import {
  RemoteRunError,
  WorkflowClient,
  WorkflowClientError,
  type RemoteEvent,
} from "@eventloom/client";
import { type CuttingProxy, cuttingProxy } from "./support/cutting-proxy.js";
import { ApprovalWorkflow, OrderWorkflow } from "./support/workflows.js";

let server: ListeningServer;
let client: WorkflowClient;
let proxy: CuttingProxy | undefined;

beforeEach(async () => {
  server = await createServer({
    workflows: { order: new OrderWorkflow(), approval: new ApprovalWorkflow({ timeout: null }) },
    token: "t0ken",
  }).listen({ port: 0 });
  client = new WorkflowClient({ baseUrl: server.url, token: "t0ken" });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await server.close();
});

async function collect(iterable: AsyncIterable<RemoteEvent>): Promise<RemoteEvent[]> {
  const out: RemoteEvent[] = [];
  for await (const ev of iterable) out.push(ev);
  return out;
}

async function until(iterator: AsyncIterator<RemoteEvent>, type: string): Promise<RemoteEvent[]> {
  const out: RemoteEvent[] = [];
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error(`the stream ended before ${type}`);
    out.push(value);
    if (value.type === type) return out;
  }
}

describe("WorkflowClient", () => {
  it("runs a workflow: the stream with seqs, then the result and the status", async () => {
    const run = await client.run("order", { orderId: "o-1", quantity: 3 });
    expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await collect(run.streamEvents())).toEqual([
      { type: "Progress", data: { pct: 50 }, seq: 0 },
      { type: "StopEvent", data: { result: { orderId: "o-1", total: 30 } }, seq: 1 },
    ]);
    expect(await run.result()).toEqual({ orderId: "o-1", total: 30 });
    expect(await run.status()).toEqual({
      runId: run.runId,
      workflow: "order",
      status: "completed",
      result: { orderId: "o-1", total: 30 },
    });
  });

  it("result() waits for a run that is still going; run(..., { wait: true }) resolves settled", async () => {
    const run = await client.run("approval", {});
    const result = run.result();
    const it = run.streamEvents()[Symbol.asyncIterator]();
    await until(it, "Ask");
    await run.sendEvent({ type: "Answer", data: { ok: true } });
    expect(await result).toBe("approved");
    await it.return?.();
    const waited = await client.run("order", { orderId: "w" }, { wait: true });
    expect((await waited.status()).status).toBe("completed");
  });

  it("streamEvents({ from }) starts at that seq; events$ is the whole stream as an Observable", async () => {
    const run = await client.run("order", { orderId: "o-2" });
    expect((await collect(run.streamEvents({ from: 1 }))).map((e) => e.seq)).toEqual([1]);
    const all = await firstValueFrom(run.events$.pipe(toArray()));
    expect(all.map((e) => e.type)).toEqual(["Progress", "StopEvent"]);
  });

  it("handle(runId) follows a run started elsewhere; list() filters", async () => {
    const started = await client.run("order", { orderId: "o-3" }, { wait: true });
    const h = client.handle(started.runId);
    expect(await h.result()).toEqual({ orderId: "o-3", total: 10 });
    expect((await client.list({ workflow: "order" })).map((r) => r.runId)).toContain(started.runId);
    expect(await client.list({ status: "failed" })).toEqual([]);
    expect((await client.workflows()).map((w) => w.name)).toEqual(["order", "approval"]);
  });

  it("a failed run rejects result() with a RemoteRunError carrying the run's error", async () => {
    const run = await client.run("order", { orderId: "fail" });
    const error = await run.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RemoteRunError);
    expect(error).toMatchObject({
      runId: run.runId,
      status: "failed",
      code: "Error",
      message: "no stock for fail",
    });
  });

  it("a cancelled run: cancel() then result() rejects with code CANCELLED; a second cancel is RUN_ENDED", async () => {
    const run = await client.run("approval", {});
    await run.cancel();
    await expect(run.result()).rejects.toMatchObject({
      name: "RemoteRunError",
      status: "cancelled",
      code: "CANCELLED",
    });
    await expect(run.cancel()).rejects.toMatchObject({
      name: "WorkflowClientError",
      status: 409,
      code: "RUN_ENDED",
    });
  });

  it("refused requests are WorkflowClientErrors with the server's code, status and issues", async () => {
    const bad = await client.run("order", { quantity: "x" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(WorkflowClientError);
    expect(bad).toMatchObject({ status: 400, code: "INVALID_INPUT" });
    expect((bad as WorkflowClientError).issues?.map((i) => i.path)).toEqual([
      ["orderId"],
      ["quantity"],
    ]);
    await expect(client.run("nope", {})).rejects.toMatchObject({
      status: 404,
      code: "WORKFLOW_NOT_FOUND",
    });
    await expect(client.handle("nope").status()).rejects.toMatchObject({
      status: 404,
      code: "RUN_NOT_FOUND",
    });
    const run = await client.run("approval", {});
    await expect(run.sendEvent({ type: "StopEvent", data: {} })).rejects.toMatchObject({
      status: 422,
      code: "EVENT_NOT_ACCEPTED",
    });
    await run.cancel();
    const anonymous = new WorkflowClient({ baseUrl: server.url });
    await expect(anonymous.list()).rejects.toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    const nowhere = new WorkflowClient({ baseUrl: "http://127.0.0.1:9", maxReconnects: 0 });
    await expect(nowhere.list()).rejects.toMatchObject({ status: 0, code: "NETWORK" });
  });

  it("a dropped SSE connection reconnects with Last-Event-ID: no event lost, none twice", async () => {
    proxy = await cuttingProxy(server.url);
    const viaProxy = new WorkflowClient({ baseUrl: proxy.url, token: "t0ken" });
    const run = await viaProxy.run("approval", {});
    const it = run.streamEvents()[Symbol.asyncIterator]();
    const seen = await until(it, "Ask");
    const before = proxy.connections;
    proxy.cutAll();
    // While the stream is down, the run goes on: two notes, then the answer.
    await client.handle(run.runId).sendEvent({ type: "Note", data: { text: "abc" } });
    await client.handle(run.runId).sendEvent({ type: "Note", data: { text: "abcdef" } });
    seen.push(...(await until(it, "Progress")));
    await client.handle(run.runId).sendEvent({ type: "Answer", data: { ok: false } });
    for (;;) {
      const { value, done } = await it.next();
      if (done) break;
      seen.push(value);
    }
    expect(seen.map((e) => [e.seq, e.type])).toEqual([
      [0, "Ask"],
      [1, "Progress"],
      [2, "Progress"],
      [3, "StopEvent"],
    ]);
    expect(proxy.connections).toBeGreaterThan(before);
    expect(await run.result()).toBe("rejected");
  });

  it("bad options are refused with what to pass", () => {
    expect(() => new WorkflowClient({ baseUrl: "nope" })).toThrow(/not a URL/);
    expect(() => new WorkflowClient({} as never)).toThrow(/baseUrl/);
    expect(() => client.handle("")).toThrow(/runId/);
  });
});
