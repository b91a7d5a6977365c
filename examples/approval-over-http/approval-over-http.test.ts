// The curl session of packages/server/README.md, request for request, against the example server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach, expect, it } from "vitest";
import type { ListeningServer } from "@eventloom/server";
import { startServer } from "./server.js";

let server: ListeningServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** `curl -N .../events`: the SSE messages until `until` accepts one. */
async function follow(
  url: string,
  until: (m: EventSourceMessage) => boolean,
): Promise<EventSourceMessage[]> {
  const res = await fetch(url);
  const out: EventSourceMessage[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (m) => void (!done && out.push(m) && until(m) && (done = true)),
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  while (!done) {
    const { value, done: end } = await reader.read();
    if (end) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  return out;
}

const json = { "content-type": "application/json" };

it("the README's curl session: start a trade, see the approval request, approve it, read the result", async () => {
  server = await startServer({ port: 0 });
  const base = server.url;

  // curl -s -X POST $BASE/workflows/trade/runs -H 'content-type: application/json' -d '{"input":{"stock":"NVDA","quantity":10}}'
  const started = await fetch(`${base}/workflows/trade/runs`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ input: { stock: "NVDA", quantity: 10 } }),
  });
  expect(started.status).toBe(201);
  const { runId } = (await started.json()) as { runId: string };

  // curl -N $BASE/runs/$RUN/events
  const asked = await follow(
    `${base}/runs/${runId}/events`,
    (m) => m.event === "ApprovalRequested",
  );
  expect(asked.map((m) => [m.id, m.event])).toEqual([["0", "ApprovalRequested"]]);
  expect(JSON.parse(asked[0]!.data)).toEqual({
    type: "ApprovalRequested",
    data: { question: "buy 10 NVDA?", stock: "NVDA", quantity: 10 },
  });

  // curl -s $BASE/runs/$RUN/steps
  const steps = (await (await fetch(`${base}/runs/${runId}/steps`)).json()) as {
    waiting: { type: string }[];
  };
  expect(steps.waiting.map((w) => w.type)).toEqual(["Approval"]);

  // curl -s -X POST $BASE/runs/$RUN/events -H 'content-type: application/json' -d '{"type":"Comment","data":{"text":"checked the limits"}}'
  expect(
    (
      await fetch(`${base}/runs/${runId}/events`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ type: "Comment", data: { text: "checked the limits" } }),
      })
    ).status,
  ).toBe(202);
  // A wrong answer is refused with what is wrong: 400 and the zod issues.
  const bad = await fetch(`${base}/runs/${runId}/events`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ type: "Approval", data: { approved: "yes" } }),
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("INVALID_EVENT");

  // curl -s -X POST $BASE/runs/$RUN/events -H 'content-type: application/json' -d '{"type":"Approval","data":{"approved":true,"by":"ada"}}'
  const approved = await fetch(`${base}/runs/${runId}/events`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ type: "Approval", data: { approved: true, by: "ada" } }),
  });
  expect(approved.status).toBe(202);

  // curl -N $BASE/runs/$RUN/events   (the whole stream, to its end)
  const whole = await follow(`${base}/runs/${runId}/events`, (m) => m.event === "StopEvent");
  expect(whole.map((m) => m.event)).toEqual(["ApprovalRequested", "AuditNote", "StopEvent"]);

  // curl -s $BASE/runs/$RUN
  const state = await (await fetch(`${base}/runs/${runId}`)).json();
  expect(state).toEqual({
    runId,
    workflow: "trade",
    status: "completed",
    result: { placed: true, by: "ada", order: "buy 10 NVDA" },
  });

  // curl -s -X POST "$BASE/workflows/trade/runs?wait=true" ... with a rejected trade: refused at once
  const invalid = await fetch(`${base}/workflows/trade/runs`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ input: { stock: "", quantity: 0 } }),
  });
  expect(invalid.status).toBe(400);
});

it("with EVENTLOOM_DB the runs are in a SQLite file: a restarted server still answers for them", async () => {
  const dir = mkdtempSync(join(tmpdir(), "eventloom-example-"));
  dirs.push(dir);
  const db = join(dir, "runs.db");
  server = await startServer({ port: 0, db, token: "secret" });
  const auth = { ...json, authorization: "Bearer secret" };
  const { runId } = (await (
    await fetch(`${server.url}/workflows/trade/runs`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ input: { stock: "ASML", quantity: 1, side: "sell" } }),
    })
  ).json()) as { runId: string };
  await fetch(`${server.url}/runs/${runId}/events`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ type: "Approval", data: { approved: false, by: "bo" } }),
  });
  const done = await (
    await fetch(`${server.url}/runs/${runId}?wait=true`, { headers: auth })
  ).json();
  expect(done).toMatchObject({ status: "completed", result: { placed: false, by: "bo" } });
  await server.close();

  server = await startServer({ port: 0, db, token: "secret" });
  expect(await (await fetch(`${server.url}/runs/${runId}`, { headers: auth })).json()).toEqual(
    done,
  );
  expect((await fetch(`${server.url}/runs/${runId}`)).status).toBe(401);
});
