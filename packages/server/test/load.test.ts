// 500 runs started over HTTP at once and 500 SSE streams followed to their end: every stream
// gets every event of its run exactly once, in order.
import { afterAll, beforeAll, expect, it } from "vitest";
import { z } from "zod";
import { Event, InputRequiredEvent, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer, type ListeningServer } from "@eventloom/server";
import { readSse, readSseUntil, request } from "./support/http.js";

class Ready extends InputRequiredEvent.define({ n: z.number() }) {
  static override typeName = "Ready";
}
class Go extends Event.define({}) {
  static override typeName = "Go";
}
class Tick extends Event.define({ n: z.number(), i: z.number() }) {
  static override typeName = "Tick";
}

const TICKS = 20;
const RUNS = 500;

class LoadWorkflow extends Workflow {
  static override externalEvents = [Go];
  work = step(
    { accepts: [StartEvent], emits: [Ready, StopEvent], numWorkers: 1 },
    async (ev, ctx) => {
      const n = Number(ev["n"]);
      await ctx.waitForEvent(Go, { waiterEvent: new Ready({ n }) });
      for (let i = 0; i < TICKS; i++) {
        ctx.writeEventToStream(new Tick({ n, i }));
        // Let other runs and the server's writes interleave with this run's.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return new StopEvent({ result: n });
    },
  );
}

let server: ListeningServer;
beforeAll(async () => {
  server = await createServer({
    workflows: { load: new LoadWorkflow({ timeout: null }) },
    retainRuns: RUNS,
  }).listen({ port: 0 });
});
afterAll(() => server.close());

it(
  `${RUNS} concurrent runs over HTTP, ${RUNS} concurrent SSE streams: each gets its run's events exactly once, in order`,
  { timeout: 240_000 },
  async () => {
    const url = server.url;
    const started = await Promise.all(
      Array.from({ length: RUNS }, (_, n) =>
        request<{ runId: string }>(`${url}/workflows/load/runs`, {
          method: "POST",
          json: { input: { n } },
        }),
      ),
    );
    expect(started.every((r) => r.status === 201)).toBe(true);
    const ids = started.map((r) => r.body.runId);
    expect(new Set(ids).size).toBe(RUNS);

    // One stream per run, each connected (it has seen Ready) before any run goes on.
    const streams = await Promise.all(
      ids.map(async (runId) => {
        const res = await fetch(`${url}/runs/${runId}/events`);
        const reader = readSse(res);
        return { runId, reader };
      }),
    );
    // Every run is waiting: its Ready is in its stream (a second reader proves it per run).
    await Promise.all(
      ids.map(async (runId) =>
        readSseUntil(await fetch(`${url}/runs/${runId}/events`), (m) => m.event === "Ready"),
      ),
    );
    const sent = await Promise.all(
      ids.map((runId) =>
        request(`${url}/runs/${runId}/events`, { method: "POST", json: { type: "Go", data: {} } }),
      ),
    );
    expect(sent.every((r) => r.status === 202)).toBe(true);

    const results = await Promise.all(
      streams.map(async (s) => ({ runId: s.runId, messages: await s.reader })),
    );
    for (const [n, { messages }] of results.entries()) {
      expect(messages.map((m) => Number(m.id))).toEqual(
        Array.from({ length: TICKS + 2 }, (_, i) => i),
      );
      expect(messages.map((m) => m.event)).toEqual([
        "Ready",
        ...Array<string>(TICKS).fill("Tick"),
        "StopEvent",
      ]);
      const ticks = messages.slice(1, -1).map((m) => JSON.parse(m.data).data);
      expect(ticks).toEqual(Array.from({ length: TICKS }, (_, i) => ({ n, i })));
      expect(JSON.parse(messages.at(-1)!.data)).toEqual({ type: "StopEvent", data: { result: n } });
    }
    const completed = await request<unknown[]>(`${url}/runs?status=completed`);
    expect(completed.body).toHaveLength(RUNS);
  },
);
