// The routes the inspector page reads: step states (JSON and SSE), the live runs feed, the
// workflow graph, and the page itself.
import { afterEach, expect, it } from "vitest";
import { createServer, type ListeningServer } from "@eventloom/server";
import { readSse, readSseUntil, request } from "./support/http.js";
import { Answer, ApprovalWorkflow, Note, OrderWorkflow } from "./support/workflows.js";

/** The approval workflow with its answer declared: the steps route then has its schema. */
class DeclaredApproval extends ApprovalWorkflow {
  static override externalEvents = [Note, Answer];
}
const approval = () => new DeclaredApproval({ timeout: null });

let server: ListeningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(
  options: { token?: string; inspector?: boolean | { jaegerUrl: string } } = {},
) {
  server = await createServer({
    workflows: { order: new OrderWorkflow(), approval: approval() },
    ...options,
  }).listen({ port: 0 });
  return server.url;
}

it("GET /runs/:id/steps counts each step's invocations and lists the waits with their schema", async () => {
  const url = await start();
  const { body } = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
  await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
  const steps = await request(`${url}/runs/${body.runId}/steps`);
  expect(steps.status).toBe(200);
  expect(steps.body).toEqual({
    runId: body.runId,
    status: "running",
    steps: [
      { name: "ask", running: 0, completed: 0, failed: 0, waiting: 1 },
      { name: "note", running: 0, completed: 0, failed: 0, waiting: 0 },
    ],
    waiting: [
      {
        step: "ask",
        type: "Answer",
        schema: expect.objectContaining({
          type: "object",
          properties: { ok: { type: "boolean" }, by: { type: "string" } },
          required: ["ok"],
        }),
      },
    ],
  });
  await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
});

it("GET /runs/:id/steps as SSE sends the state at connect and on each change, and closes with the final one", async () => {
  const url = await start();
  const { body } = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
  await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
  const res = await fetch(`${url}/runs/${body.runId}/steps`, {
    headers: { Accept: "text/event-stream" },
  });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const all = readSse(res);
  await request(`${url}/runs/${body.runId}/events`, {
    method: "POST",
    json: { type: "Answer", data: { ok: true } },
  });
  const messages = await all;
  expect(messages.every((m) => m.event === "steps")).toBe(true);
  const first = JSON.parse(messages[0]!.data);
  const last = JSON.parse(messages.at(-1)!.data);
  expect(first.steps[0]).toEqual({ name: "ask", running: 0, completed: 0, failed: 0, waiting: 1 });
  expect(last).toMatchObject({ status: "completed", waiting: [] });
  expect(last.steps[0]).toEqual({ name: "ask", running: 0, completed: 1, failed: 0, waiting: 0 });
});

it("GET /runs as SSE sends every run at connect, then each start and status change", async () => {
  const url = await start();
  const done = await request(`${url}/workflows/order/runs?wait=true`, {
    method: "POST",
    json: { input: { orderId: "a" } },
  });
  const abort = new AbortController();
  const res = await fetch(`${url}/runs`, {
    headers: { Accept: "text/event-stream" },
    signal: abort.signal,
  });
  const seen: { runId: string; status: string; workflow: string }[] = [];
  let started: string | undefined;
  const messages = readSseUntil(res, (m) => {
    const info = JSON.parse(m.data);
    seen.push(info);
    if (seen.length === 1) {
      // Once connected, start another run (answered later).
      void request(`${url}/workflows/approval/runs`, { method: "POST", json: {} }).then(
        (r) => (started = r.body.runId),
      );
    }
    if (info.status === "running" && info.workflow === "approval") {
      void request(`${url}/runs/${info.runId}/cancel`, { method: "POST" });
    }
    return info.status === "cancelled";
  });
  const all = await messages;
  abort.abort();
  expect(all.every((m) => m.event === "run")).toBe(true);
  expect(seen[0]).toEqual({
    runId: done.body.runId,
    workflow: "order",
    status: "completed",
    startedAt: expect.any(Number),
    updatedAt: expect.any(Number),
  });
  expect(seen.slice(1).map((r) => [r.runId, r.status])).toEqual([
    [started, "running"],
    [started, "cancelled"],
  ]);
});

it("with inspector: the page at / without a token, with its CSP; /workflows entries carry the graph", async () => {
  const url = await start({ token: "tok", inspector: { jaegerUrl: "http://localhost:16686" } });
  const page = await fetch(`${url}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toContain("text/html");
  expect(page.headers.get("content-security-policy")).toContain("default-src");
  const html = await page.text();
  const asset = /(?:src|href)="\.?(\/assets\/[^"]+)"/.exec(html)?.[1];
  expect(asset).toBeDefined();
  const script = await fetch(`${url}${asset}`);
  expect(script.status).toBe(200);
  expect((await request(`${url}/workflows`)).status).toBe(401);
  const workflows = await request(`${url}/workflows`, { headers: { Authorization: "Bearer tok" } });
  expect(Object.keys(workflows.body[0]).sort()).toEqual(["accepts", "graph", "name", "startEvent"]);
  expect(JSON.parse(JSON.stringify(workflows.body[0].graph))).toEqual(workflows.body[0].graph);
  expect(workflows.body[0].graph).toBeTypeOf("object");
});

it("mounted under a prefix, the page and its assets are served there", async () => {
  const { Hono } = await import("hono");
  const { serve } = await import("@hono/node-server");
  const outer = new Hono();
  outer.route(
    "/wf",
    createServer({ workflows: { order: new OrderWorkflow() }, inspector: true }).app,
  );
  const http = serve({ fetch: outer.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => http.once("listening", resolve));
  const { port } = http.address() as { port: number };
  try {
    const page = await fetch(`http://127.0.0.1:${port}/wf/`);
    expect(page.status).toBe(200);
    const asset = /(?:src|href)="\.?(\/assets\/[^"]+)"/.exec(await page.text())?.[1];
    expect((await fetch(`http://127.0.0.1:${port}/wf${asset}`)).status).toBe(200);
    expect((await request(`http://127.0.0.1:${port}/wf/workflows`)).body[0].name).toBe("order");
  } finally {
    await new Promise((resolve) => http.close(resolve));
  }
});

it("without inspector: / is a 404 and /workflows has no graph", async () => {
  const url = await start();
  expect((await request(`${url}/`)).status).toBe(404);
  expect(Object.keys((await request(`${url}/workflows`)).body[0])).not.toContain("graph");
});
