// Every route of the server, against a real server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { createServer, type ListeningServer } from "@eventloom/server";
import { readSse, readSseUntil, request } from "./support/http.js";
import { ChattyWorkflow, FailingWorkflow, OrderWorkflow, approval } from "./support/workflows.js";

let server: ListeningServer;
let url: string;

beforeEach(async () => {
  server = await createServer({
    workflows: {
      order: new OrderWorkflow(),
      approval: approval(),
      failing: new FailingWorkflow(),
      chatty: new ChattyWorkflow(),
    },
  }).listen({ port: 0 });
  url = server.url;
});
afterEach(() => server.close());

describe("routes", () => {
  it("listens on the real port when asked for port 0", () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it("GET /health says ok", async () => {
    expect(await request(`${url}/health`)).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("GET /workflows lists name, the start event's JSON Schema and the types accepted from outside", async () => {
    const { status, body } = await request(`${url}/workflows`);
    expect(status).toBe(200);
    expect(body.map((w: { name: string }) => w.name)).toEqual([
      "order",
      "approval",
      "failing",
      "chatty",
    ]);
    const order = body[0];
    expect(Object.keys(order).sort()).toEqual(["accepts", "name", "startEvent"]);
    expect(order.startEvent).toMatchObject({
      type: "object",
      properties: { orderId: { type: "string" }, quantity: { type: "integer", default: 1 } },
      required: ["orderId"],
    });
    expect(order.accepts).toEqual(["Priced"]);
    // Answer is only waited for (not accepted by a step): it shows once a run waits for it.
    expect(body[1].accepts).toEqual(["Note"]);
  });

  it("POST /workflows/:name/runs starts a run: 201 { runId, status }, then GET /runs/:id shows the result", async () => {
    const started = await request(`${url}/workflows/order/runs`, {
      method: "POST",
      json: { input: { orderId: "o-1", quantity: 2 } },
    });
    expect(started.status).toBe(201);
    expect(started.body).toEqual({ runId: expect.any(String), status: "running" });
    expect(started.headers.get("location")).toBe(`/runs/${started.body.runId}`);
    const events = await readSse(await fetch(`${url}/runs/${started.body.runId}/events`));
    expect(events.map((e) => e.event)).toEqual(["Progress", "Progress", "StopEvent"]);
    expect(await request(`${url}/runs/${started.body.runId}`)).toMatchObject({
      status: 200,
      body: {
        runId: started.body.runId,
        workflow: "order",
        status: "completed",
        result: "o-1 shipped for 20",
      },
    });
  });

  it("?wait=true answers 200 with the result", async () => {
    const res = await request(`${url}/workflows/order/runs?wait=true`, {
      method: "POST",
      json: { input: { orderId: "o-2" } },
    });
    expect(res).toMatchObject({
      status: 200,
      body: { runId: expect.any(String), status: "completed", result: "o-2 shipped for 10" },
    });
  });

  it("?wait=true on a failing run answers 200 with status failed and the error's code and message", async () => {
    const res = await request(`${url}/workflows/failing/runs?wait=true`, {
      method: "POST",
      json: {},
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      runId: expect.any(String),
      workflow: "failing",
      status: "failed",
      error: { code: "Boom", message: "the warehouse is on fire" },
    });
  });

  it("a run with no body starts from {}", async () => {
    const res = await request(`${url}/workflows/chatty/runs?wait=true`, { method: "POST" });
    expect(res.body).toMatchObject({ status: "completed", result: 10 });
  });

  it("SSE frames carry id: <seq>, event: <type>, data: <EventJSON>, and Last-Event-ID resumes after n", async () => {
    const { body } = await request(`${url}/workflows/chatty/runs`, {
      method: "POST",
      json: { input: { count: 5 } },
    });
    const all = await readSse(await fetch(`${url}/runs/${body.runId}/events`));
    expect(all.map((m) => m.id)).toEqual(["0", "1", "2", "3", "4", "5"]);
    expect(JSON.parse(all[2]!.data)).toEqual({ type: "Progress", data: { pct: 2 } });
    expect(all[5]).toMatchObject({ event: "StopEvent" });
    expect(JSON.parse(all[5]!.data)).toEqual({ type: "StopEvent", data: { result: 5 } });
    const rest = await readSse(
      await fetch(`${url}/runs/${body.runId}/events`, { headers: { "Last-Event-ID": "3" } }),
    );
    expect(rest.map((m) => m.id)).toEqual(["4", "5"]);
  });

  it("Accept: application/x-ndjson gives one EventJSON per line", async () => {
    const { body } = await request(`${url}/workflows/chatty/runs`, {
      method: "POST",
      json: { input: { count: 2 } },
    });
    const res = await fetch(`${url}/runs/${body.runId}/events`, {
      headers: { Accept: "application/x-ndjson" },
    });
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { type: "Progress", data: { pct: 0 } },
      { type: "Progress", data: { pct: 1 } },
      { type: "StopEvent", data: { result: 2 } },
    ]);
  });

  it("two SSE consumers of one run both get every event, in order", async () => {
    const { body } = await request(`${url}/workflows/approval/runs`, {
      method: "POST",
      json: { input: { item: "laptop" } },
    });
    const a = fetch(`${url}/runs/${body.runId}/events`).then(readSse);
    const b = fetch(`${url}/runs/${body.runId}/events`).then(readSse);
    // Wait until the run waits for the answer, then answer it.
    await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
    expect(
      await request(`${url}/runs/${body.runId}/events`, {
        method: "POST",
        json: { type: "Answer", data: { ok: true, by: "ada" } },
      }),
    ).toMatchObject({ status: 202 });
    const [ea, eb] = await Promise.all([a, b]);
    expect(ea.map((m) => m.event)).toEqual(["Ask", "StopEvent"]);
    expect(eb.map((m) => [m.id, m.event, m.data])).toEqual(ea.map((m) => [m.id, m.event, m.data]));
    expect(JSON.parse(ea[1]!.data)).toEqual({
      type: "StopEvent",
      data: { result: "approved by ada" },
    });
    // The stream closed after the run settled: its state is final already.
    expect((await request(`${url}/runs/${body.runId}`)).body.status).toBe("completed");
  });

  it("an SSE stream closes only after the run settled, so GET /runs/:id right after shows the end", async () => {
    for (let i = 0; i < 5; i++) {
      const { body } = await request(`${url}/workflows/order/runs`, {
        method: "POST",
        json: { input: { orderId: `o-${i}` } },
      });
      await readSse(await fetch(`${url}/runs/${body.runId}/events`));
      expect((await request(`${url}/runs/${body.runId}`)).body.status).toBe("completed");
    }
  });

  it("POST /runs/:id/events delivers an event to a step that accepts it", async () => {
    const { body } = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
    const stream = fetch(`${url}/runs/${body.runId}/events`).then(readSse);
    expect(
      await request(`${url}/runs/${body.runId}/events`, {
        method: "POST",
        json: { type: "Note", data: { text: "hello" }, step: "note" },
      }),
    ).toMatchObject({ status: 202, body: { runId: body.runId, type: "Note" } });
    await readSseUntil(
      await fetch(`${url}/runs/${body.runId}/events`),
      (m) => m.event === "Progress",
    );
    await request(`${url}/runs/${body.runId}/events`, {
      method: "POST",
      json: { type: "Answer", data: { ok: false } },
    });
    expect((await stream).map((m) => m.event)).toEqual(["Ask", "Progress", "StopEvent"]);
  });

  it("POST /runs/:id/cancel cancels a run: 202, the stream ends with WorkflowCancelledEvent, status cancelled", async () => {
    const { body } = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
    const stream = fetch(`${url}/runs/${body.runId}/events`).then(readSse);
    const res = await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
    expect(res).toMatchObject({ status: 202, body: { runId: body.runId, status: "cancelled" } });
    expect((await stream).map((m) => m.event)).toEqual(["Ask", "WorkflowCancelledEvent"]);
    expect((await request(`${url}/runs/${body.runId}`)).body).toMatchObject({
      status: "cancelled",
      error: { code: "CANCELLED" },
    });
  });

  it("GET /runs/:id/snapshot gives the run's RunSnapshot", async () => {
    const { body } = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
    await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
    const snap = await request(`${url}/runs/${body.runId}/snapshot`);
    expect(snap.status).toBe(200);
    expect(snap.body).toMatchObject({
      version: 1,
      workflow: "ApprovalWorkflow",
      runId: body.runId,
      status: "running",
      waiting: [{ step: "ask", eventType: "Answer" }],
    });
    await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
  });

  it("GET /runs lists runs newest first, filtered by workflow and status", async () => {
    const first = await request(`${url}/workflows/order/runs?wait=true`, {
      method: "POST",
      json: { input: { orderId: "a" } },
    });
    const second = await request(`${url}/workflows/failing/runs?wait=true`, {
      method: "POST",
      json: {},
    });
    const third = await request(`${url}/workflows/order/runs?wait=true`, {
      method: "POST",
      json: { input: { orderId: "b" } },
    });
    const all = await request(`${url}/runs`);
    expect(all.status).toBe(200);
    expect(all.body.map((r: { runId: string }) => r.runId)).toEqual([
      third.body.runId,
      second.body.runId,
      first.body.runId,
    ]);
    expect(all.body[0]).toEqual({
      runId: third.body.runId,
      workflow: "order",
      status: "completed",
      startedAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    expect(
      (await request(`${url}/runs?workflow=order`)).body.map((r: { runId: string }) => r.runId),
    ).toEqual([third.body.runId, first.body.runId]);
    expect(
      (await request(`${url}/runs?status=failed`)).body.map((r: { runId: string }) => r.runId),
    ).toEqual([second.body.runId]);
  });

  it("mounted in another app, POST /workflows/:name/runs keeps the headers that app's middleware set, with its own Location", async () => {
    const outer = new Hono();
    outer.use("*", async (c, next) => {
      c.header("X-Request-Id", "r-1");
      await next();
    });
    outer.route("/wf", createServer({ workflows: { order: new OrderWorkflow() } }).app);
    for (const wait of [false, true]) {
      const res = await outer.request(`/wf/workflows/order/runs?wait=${wait}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ input: { orderId: "o-9", quantity: 1 } }),
      });
      const body = (await res.json()) as { runId: string; status: string };
      expect(res.status).toBe(wait ? 200 : 201);
      expect(body.status).toBe(wait ? "completed" : "running");
      expect(res.headers.get("x-request-id")).toBe("r-1");
      expect(res.headers.get("location")).toBe(`/runs/${body.runId}`);
      expect(res.headers.get("content-type")).toBe("application/json");
    }
  });
});
