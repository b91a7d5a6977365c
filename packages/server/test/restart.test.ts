// Runs and streams survive the server: a server process on a SQLite journal is killed with
// SIGKILL while a run waits for an answer; a new server on the same file resumes the run, a
// client reconnecting with Last-Event-ID gets the rest of the stream, and the answer sent over
// HTTP completes it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { createServer } from "@eventloom/server";
import { type Child, startChild } from "./support/child.js";
import { readSse, readSseUntil, request } from "./support/http.js";
import { approval } from "./support/workflows.js";

const dirs: string[] = [];
const children: Child[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of children.splice(0)) {
    if (c.process.exitCode === null) c.process.kill("SIGKILL");
    await c.exited;
  }
  for (const f of cleanups.splice(0).reverse()) await f();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "eventloom-server-"));
  dirs.push(dir);
  return join(dir, "runs.db");
}

it("a run waiting when its server is SIGKILLed is resumed by a new server on the journal; Last-Event-ID gets the rest", async () => {
  const path = tempDb();
  const child = startChild(new URL("./support/server-child.ts", import.meta.url), path);
  children.push(child);
  const first = (await child.line((l) => l.startsWith("listening "))).slice("listening ".length);

  const started = await request(`${first}/workflows/approval/runs`, {
    method: "POST",
    json: { input: { item: "laptop" } },
  });
  expect(started.status).toBe(201);
  const runId: string = started.body.runId;
  const seen = await readSseUntil(
    await fetch(`${first}/runs/${runId}/events`),
    (m) => m.event === "Ask",
  );
  expect(seen.map((m) => [m.id, m.event])).toEqual([["0", "Ask"]]);

  child.process.kill("SIGKILL");
  expect(await child.exited).toBe("SIGKILL");

  // Past the dead process's claim on the run (core leases runs for 10 s).
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + 60_000);
  const journal = sqliteJournal({ path });
  cleanups.push(() => journal.close());
  const second = await createServer({ workflows: { approval: approval(journal) } }).listen({
    port: 0,
  });
  cleanups.push(() => second.close());
  const url = second.url;

  expect((await request(`${url}/runs/${runId}`)).body).toEqual({
    runId,
    workflow: "approval",
    status: "running",
  });
  expect((await request(`${url}/runs`)).body).toMatchObject([
    { runId, workflow: "approval", status: "running" },
  ]);

  // The client reconnects where it stopped, then the answer arrives over HTTP.
  const rest = fetch(`${url}/runs/${runId}/events`, {
    headers: { "Last-Event-ID": seen.at(-1)!.id! },
  }).then(readSse);
  const answer = await request(`${url}/runs/${runId}/events`, {
    method: "POST",
    json: { type: "Answer", data: { ok: true, by: "grace" } },
  });
  expect(answer.status).toBe(202);
  const tail = await rest;
  // The rest of the stream, from right after the last event seen: nothing lost, nothing twice.
  // (Core decides whether a resumed wait asks its question again: if it does, that is an Ask.)
  expect(tail.map((m) => Number(m.id))).toEqual(tail.map((_, i) => i + 1));
  expect(tail.slice(0, -1).every((m) => m.event === "Ask")).toBe(true);
  expect(tail.at(-1)!.event).toBe("StopEvent");
  expect(JSON.parse(tail.at(-1)!.data)).toEqual({
    type: "StopEvent",
    data: { result: "approved by grace" },
  });
  expect((await request(`${url}/runs/${runId}`)).body).toEqual({
    runId,
    workflow: "approval",
    status: "completed",
    result: "approved by grace",
  });

  // A third server on the same file serves the finished run and its whole stream.
  await second.close();
  const journal3 = sqliteJournal({ path });
  cleanups.push(() => journal3.close());
  const third = await createServer({ workflows: { approval: approval(journal3) } }).listen({
    port: 0,
  });
  cleanups.push(() => third.close());
  expect((await request(`${third.url}/runs/${runId}`)).body).toMatchObject({
    status: "completed",
    result: "approved by grace",
  });
  const whole = await readSse(await fetch(`${third.url}/runs/${runId}/events`));
  expect(whole.map((m) => [m.id, m.event, m.data])).toEqual(
    [...seen, ...tail].map((m) => [m.id, m.event, m.data]),
  );
  const late = await request(`${third.url}/runs/${runId}/events`, {
    method: "POST",
    json: { type: "Answer", data: { ok: true } },
  });
  expect(late.status).toBe(409);
});

it("a run another live process still holds is 409 RUN_OWNED; once its claim has expired it is resumed on demand", async () => {
  const path = tempDb();
  const child = startChild(new URL("./support/server-child.ts", import.meta.url), path);
  children.push(child);
  const first = (await child.line((l) => l.startsWith("listening "))).slice("listening ".length);
  const { body } = await request(`${first}/workflows/approval/runs`, { method: "POST", json: {} });
  const runId: string = body.runId;
  await readSseUntil(await fetch(`${first}/runs/${runId}/events`), (m) => m.event === "Ask");
  child.process.kill("SIGKILL");
  await child.exited;

  // The dead process's claim has not expired: listen() recovers nothing.
  const journal = sqliteJournal({ path });
  cleanups.push(() => journal.close());
  const second = await createServer({ workflows: { approval: approval(journal) } }).listen({
    port: 0,
  });
  cleanups.push(() => second.close());
  const url = second.url;
  expect((await request(`${url}/runs/${runId}`)).body).toEqual({
    runId,
    workflow: "approval",
    status: "running",
  });
  const owned = await request(`${url}/runs/${runId}/events`);
  expect([owned.status, owned.body.error.code]).toEqual([409, "RUN_OWNED"]);
  expect((await request(`${url}/runs/${runId}/cancel`, { method: "POST" })).status).toBe(409);

  // Later, the claim has lapsed: the next request resumes the run here.
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + 60_000);
  const rest = fetch(`${url}/runs/${runId}/events`, { headers: { "Last-Event-ID": "0" } }).then(
    readSse,
  );
  expect(
    (
      await request(`${url}/runs/${runId}/events`, {
        method: "POST",
        json: { type: "Answer", data: { ok: false } },
      })
    ).status,
  ).toBe(202);
  expect((await rest).at(-1)).toMatchObject({ event: "StopEvent" });
  expect((await request(`${url}/runs/${runId}`)).body).toMatchObject({
    status: "completed",
    result: "rejected",
  });
});
