// A finished run stays answerable on every route, but the server lets go of its handler (the
// run's machinery, its RxJS subjects, its step views): it keeps the outcome, the stream and what
// its snapshot needs.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { Workflow } from "@eventloom/core";
import { createServer, type ListeningServer } from "@eventloom/server";
import { readSse, readSseUntil, request } from "./support/http.js";
import { FailingWorkflow, OrderWorkflow, approval } from "./support/workflows.js";

/** A real garbage collection, so a WeakRef to what nothing holds is cleared. */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** `workflow`, with a WeakRef to the handler of each run it starts pushed to `handlers`. */
function tracked<W extends Workflow>(workflow: W, handlers: WeakRef<object>[]): W {
  const run = workflow.run.bind(workflow) as (...args: unknown[]) => object;
  Object.defineProperty(workflow, "run", {
    value: (...args: unknown[]) => {
      const handler = run(...args);
      handlers.push(new WeakRef(handler));
      return handler;
    },
  });
  return workflow;
}

let server: ListeningServer;
let url: string;
const handlers: WeakRef<object>[] = [];

beforeEach(async () => {
  handlers.length = 0;
  server = await createServer({
    workflows: {
      order: tracked(new OrderWorkflow(), handlers),
      failing: tracked(new FailingWorkflow(), handlers),
      approval: tracked(approval(), handlers),
    },
  }).listen({ port: 0 });
  url = server.url;
});
afterEach(() => server.close());

/** Three runs that ended each way: completed, failed, cancelled. */
async function finishedRuns(): Promise<{ completed: string; failed: string; cancelled: string }> {
  const completed = await request(`${url}/workflows/order/runs?wait=true`, {
    method: "POST",
    json: { input: { orderId: "o-1", quantity: 2 } },
  });
  const failed = await request(`${url}/workflows/failing/runs?wait=true`, { method: "POST" });
  const started = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
  const cancelled: string = started.body.runId;
  await readSseUntil(await fetch(`${url}/runs/${cancelled}/events`), (m) => m.event === "Ask");
  expect((await request(`${url}/runs/${cancelled}/cancel`, { method: "POST" })).status).toBe(202);
  return { completed: completed.body.runId, failed: failed.body.runId, cancelled };
}

/** Collects garbage until the runs' handlers are gone; how many are still held. */
async function handlersHeld(): Promise<number> {
  const gc = exposeGc();
  // A WeakRef read in this job keeps its target until the job ends: collect in a later one.
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
  return handlers.filter((ref) => ref.deref() !== undefined).length;
}

/** The frames of a run's SSE stream, from `lastEventId` on. */
async function frames(runId: string, lastEventId?: string) {
  const res = await fetch(`${url}/runs/${runId}/events`, {
    headers: lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId },
  });
  return (await readSse(res)).map((m) => [m.id, m.event, JSON.parse(m.data)]);
}

it("lets go of a finished run's handler once it has answered, and keeps what the routes answer", async () => {
  const ids = await finishedRuns();
  expect(handlers).toHaveLength(3);
  expect(await handlersHeld()).toBe(0);

  expect((await request(`${url}/runs/${ids.completed}`)).body).toEqual({
    runId: ids.completed,
    workflow: "order",
    status: "completed",
    result: "o-1 shipped for 20",
  });
  expect((await request(`${url}/runs/${ids.failed}?wait=true`)).body).toEqual({
    runId: ids.failed,
    workflow: "failing",
    status: "failed",
    error: { code: "Boom", message: "the warehouse is on fire" },
  });
  expect((await request(`${url}/runs/${ids.cancelled}`)).body).toEqual({
    runId: ids.cancelled,
    workflow: "approval",
    status: "cancelled",
    error: {
      code: "CANCELLED",
      message: expect.stringContaining("cancelled"),
    },
  });
  const runs = (await request(`${url}/runs`)).body as { runId: string; status: string }[];
  expect(runs.map((r) => [r.runId, r.status])).toEqual([
    [ids.cancelled, "cancelled"],
    [ids.failed, "failed"],
    [ids.completed, "completed"],
  ]);
});

it("replays a finished run's stream from any Last-Event-ID, as SSE and NDJSON", async () => {
  const ids = await finishedRuns();
  expect(await handlersHeld()).toBe(0);

  expect(await frames(ids.completed)).toEqual([
    ["0", "Progress", { type: "Progress", data: { pct: 50 } }],
    ["1", "Progress", { type: "Progress", data: { pct: 100 } }],
    ["2", "StopEvent", { type: "StopEvent", data: { result: "o-1 shipped for 20" } }],
  ]);
  expect((await frames(ids.completed, "1")).map(([id]) => id)).toEqual(["2"]);
  expect(await frames(ids.completed, "2")).toEqual([]);
  expect((await frames(ids.failed)).map(([, event]) => event)).toEqual(["WorkflowFailedEvent"]);
  expect((await frames(ids.cancelled)).map(([id, event]) => [id, event])).toEqual([
    ["0", "Ask"],
    ["1", "WorkflowCancelledEvent"],
  ]);
  const ndjson = await fetch(`${url}/runs/${ids.completed}/events`, {
    headers: { Accept: "application/x-ndjson", "Last-Event-ID": "0" },
  });
  expect(
    (await ndjson.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line)),
  ).toEqual([
    { type: "Progress", data: { pct: 100 } },
    { type: "StopEvent", data: { result: "o-1 shipped for 20" } },
  ]);
});

it("answers a finished run's snapshot with its RunSnapshot, its handler gone", async () => {
  const ids = await finishedRuns();
  expect(await handlersHeld()).toBe(0);
  const snapshot = async (runId: string) => {
    const res = await request(`${url}/runs/${runId}/snapshot`);
    expect(res.status).toBe(200);
    return res.body;
  };
  expect(await snapshot(ids.completed)).toMatchObject({
    version: 1,
    runId: ids.completed,
    status: "completed",
    input: { data: { orderId: "o-1", quantity: 2 } },
    started: true,
    result: "o-1 shipped for 20",
    inFlight: [],
    queued: [],
  });
  expect(await snapshot(ids.failed)).toMatchObject({
    runId: ids.failed,
    status: "failed",
    error: { name: "Boom" },
  });
  expect(await snapshot(ids.cancelled)).toMatchObject({
    runId: ids.cancelled,
    status: "cancelled",
    error: { name: "WorkflowCancelledError" },
  });
});

it("answers 409 RUN_ENDED to an event or a cancel for a finished run", async () => {
  const ids = await finishedRuns();
  expect(await handlersHeld()).toBe(0);

  for (const runId of Object.values(ids)) {
    const cancel = await request(`${url}/runs/${runId}/cancel`, { method: "POST" });
    expect(cancel).toMatchObject({ status: 409, body: { error: { code: "RUN_ENDED" } } });
  }
  const priced = await request(`${url}/runs/${ids.completed}/events`, {
    method: "POST",
    json: { type: "Priced", data: { orderId: "o-1", total: 1 } },
  });
  expect(priced).toMatchObject({ status: 409, body: { error: { code: "RUN_ENDED" } } });
  expect(priced.body.error.message).toContain("(completed)");
  const note = await request(`${url}/runs/${ids.cancelled}/events`, {
    method: "POST",
    json: { type: "Note", data: { text: "late" } },
  });
  expect(note).toMatchObject({ status: 409, body: { error: { code: "RUN_ENDED" } } });
  expect(note.body.error.message).toContain("(cancelled)");
});

it("counts a finished run's step invocations, as JSON and as one SSE message", async () => {
  const ids = await finishedRuns();
  expect(await handlersHeld()).toBe(0);

  expect((await request(`${url}/runs/${ids.completed}/steps`)).body).toEqual({
    runId: ids.completed,
    status: "completed",
    steps: [
      { name: "start", running: 0, completed: 1, failed: 0, waiting: 0 },
      { name: "ship", running: 0, completed: 1, failed: 0, waiting: 0 },
    ],
    waiting: [],
  });
  expect((await request(`${url}/runs/${ids.failed}/steps`)).body).toEqual({
    runId: ids.failed,
    status: "failed",
    steps: [{ name: "start", running: 0, completed: 0, failed: 1, waiting: 0 }],
    waiting: [],
  });
  const live = await fetch(`${url}/runs/${ids.cancelled}/steps`, {
    headers: { Accept: "text/event-stream" },
  });
  expect((await readSse(live)).map((m) => [m.event, JSON.parse(m.data)])).toEqual([
    [
      "steps",
      {
        runId: ids.cancelled,
        status: "cancelled",
        steps: [
          { name: "ask", running: 0, completed: 0, failed: 0, waiting: 0 },
          { name: "note", running: 0, completed: 0, failed: 0, waiting: 0 },
        ],
        waiting: [],
      },
    ],
  ]);
});

it("counts each finished run's own steps when runs of a workflow end alike and differently", async () => {
  const stepsOf = async (runId: string) =>
    ((await request(`${url}/runs/${runId}/steps`)).body as { steps: unknown[] }).steps;
  const answered = async (ok: boolean) => {
    const { body } = await request(`${url}/workflows/approval/runs`, { method: "POST", json: {} });
    await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
    const note = await request(`${url}/runs/${body.runId}/events`, {
      method: "POST",
      json: { type: "Note", data: { text: "n" }, step: "note" },
    });
    expect(note.status).toBe(202);
    await readSseUntil(
      await fetch(`${url}/runs/${body.runId}/events`),
      (m) => m.event === "Progress",
    );
    await request(`${url}/runs/${body.runId}/events`, {
      method: "POST",
      json: { type: "Answer", data: { ok } },
    });
    expect((await request(`${url}/runs/${body.runId}?wait=true`)).body.status).toBe("completed");
    return body.runId as string;
  };
  const ids = await finishedRuns();
  const first = await answered(true);
  const second = await answered(false);
  expect(await handlersHeld()).toBe(0);

  const none = { running: 0, completed: 0, failed: 0, waiting: 0 };
  expect(await stepsOf(ids.cancelled)).toEqual([
    { name: "ask", ...none },
    { name: "note", ...none },
  ]);
  for (const runId of [first, second]) {
    expect(await stepsOf(runId)).toEqual([
      { name: "ask", ...none, completed: 1 },
      { name: "note", ...none, completed: 1 },
    ]);
  }
});
