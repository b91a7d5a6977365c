// Every error a client can provoke: the status, the { error: { code, message, issues? } } body,
// and the server keeps serving after each.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { createServer, type ListeningServer } from "@eventloom/server";
import { readSse, readSseUntil, request } from "./support/http.js";
import { ChattyWorkflow, OrderWorkflow, approval } from "./support/workflows.js";

let server: ListeningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<Parameters<typeof createServer>[0]> = {}): Promise<string> {
  server = await createServer({
    workflows: { order: new OrderWorkflow(), approval: approval(), chatty: new ChattyWorkflow() },
    ...options,
  }).listen({ port: 0 });
  return server.url;
}

const post = (url: string, json: unknown, headers: Record<string, string> = {}) =>
  request(url, { method: "POST", json, headers });

describe("bad input", () => {
  it("400 BAD_JSON for a body that is not JSON", async () => {
    const url = await start();
    const res = await request(`${url}/workflows/order/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{ not json",
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: "BAD_JSON",
      message: expect.stringContaining("not valid JSON"),
    });
  });

  it("400 for a JSON body sent with another content type", async () => {
    const url = await start();
    const res = await request(`${url}/workflows/order/runs`, {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ input: { orderId: "x" } }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: "UNSUPPORTED_CONTENT_TYPE",
      message: expect.stringContaining("application/json"),
    });
  });

  it("400 INVALID_INPUT with zod issues for input failing the start event's schema", async () => {
    const url = await start();
    const res = await post(`${url}/workflows/order/runs`, { input: { quantity: -1 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_INPUT");
    expect(res.body.error.message).toContain("OrderStart");
    expect(res.body.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: ["orderId"] }),
        expect.objectContaining({ path: ["quantity"] }),
      ]),
    );
    expect((await request(`${url}/runs`)).body).toEqual([]);
  });

  it("400 for input that is not an object, and for unknown body keys (with a suggestion)", async () => {
    const url = await start();
    expect((await post(`${url}/workflows/order/runs`, { input: [1] })).body.error).toMatchObject({
      code: "INVALID_INPUT",
    });
    expect((await post(`${url}/workflows/order/runs`, [1])).status).toBe(400);
    const typo = await post(`${url}/workflows/order/runs`, { inptu: {} });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain("did you mean input?");
    const unwrapped = await post(`${url}/workflows/order/runs`, { orderId: "o-1" });
    expect(unwrapped.body.error.message).toContain('under input: { "input": { ... } }');
  });

  it("413 BODY_TOO_LARGE for a body over bodyLimit", async () => {
    const url = await start({ bodyLimit: 1024 });
    const res = await post(`${url}/workflows/order/runs`, { input: { orderId: "x".repeat(2000) } });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({
      code: "BODY_TOO_LARGE",
      message: expect.stringContaining("1024 bytes"),
    });
    expect(
      (await post(`${url}/workflows/order/runs?wait=true`, { input: { orderId: "ok" } })).status,
    ).toBe(200);
  });

  it("413 for a chunked body (no Content-Length) once it streams past bodyLimit", async () => {
    const url = await start({ bodyLimit: 1024 });
    const chunk = new TextEncoder().encode(`{"input":{"orderId":"${"x".repeat(600)}`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const res = await fetch(`${url}/workflows/order/runs`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BODY_TOO_LARGE");
  });

  it("413 past the default limit of 1 MiB", async () => {
    const url = await start();
    const res = await post(`${url}/workflows/order/runs`, {
      input: { orderId: "x".repeat(1024 * 1024 + 10) },
    });
    expect(res.status).toBe(413);
  });

  it("404 for an unknown workflow, an unknown run, and an unknown route", async () => {
    const url = await start();
    const wf = await post(`${url}/workflows/nope/runs`, {});
    expect(wf.status).toBe(404);
    expect(wf.body.error).toMatchObject({
      code: "WORKFLOW_NOT_FOUND",
      message: expect.stringContaining("order, approval, chatty"),
    });
    for (const path of [
      "/runs/nope",
      "/runs/nope/events",
      "/runs/nope/snapshot",
      "/runs/nope/steps",
    ]) {
      const res = await request(`${url}${path}`);
      expect([path, res.status, res.body.error.code]).toEqual([path, 404, "RUN_NOT_FOUND"]);
    }
    expect((await post(`${url}/runs/nope/events`, { type: "Note", data: {} })).status).toBe(404);
    expect((await request(`${url}/runs/nope/cancel`, { method: "POST" })).status).toBe(404);
    expect((await request(`${url}/nowhere`)).body.error.code).toBe("NOT_FOUND");
    expect((await request(`${url}/runs?workflow=nope`)).status).toBe(404);
  });

  it("400 for a bad status filter and a bad Last-Event-ID", async () => {
    const url = await start();
    expect((await request(`${url}/runs?status=done`)).body.error).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("running, completed"),
    });
    const { body } = await post(`${url}/workflows/order/runs?wait=true`, {
      input: { orderId: "a" },
    });
    const res = await request(`${url}/runs/${body.runId}/events`, {
      headers: { "Last-Event-ID": "abc" },
    });
    expect(res.status).toBe(400);
  });

  it("409 RUN_ENDED for an event to or a cancel of a run that has ended", async () => {
    const url = await start();
    const { body } = await post(`${url}/workflows/approval/runs`, {});
    await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
    expect(
      (await post(`${url}/runs/${body.runId}/events`, { type: "Answer", data: { ok: true } }))
        .status,
    ).toBe(202);
    await readSse(await fetch(`${url}/runs/${body.runId}/events`));
    const late = await post(`${url}/runs/${body.runId}/events`, {
      type: "Note",
      data: { text: "late" },
    });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({
      code: "RUN_ENDED",
      message: expect.stringContaining("completed"),
    });
    const cancel = await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
    expect(cancel.status).toBe(409);
  });

  it("422 for an event type the workflow does not accept from outside, start and stop events above all", async () => {
    const url = await start();
    const { body } = await post(`${url}/workflows/approval/runs`, {});
    await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
    for (const type of ["StartEvent", "StopEvent", "WorkflowFailedEvent", "Ask", "Nope"]) {
      const res = await post(`${url}/runs/${body.runId}/events`, { type, data: {} });
      expect([type, res.status, res.body.error.code]).toEqual([type, 422, "EVENT_NOT_ACCEPTED"]);
      expect(res.body.error.message).toContain("Note");
      expect(res.body.error.message).toContain("Answer");
    }
    await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
  });

  it("400 INVALID_EVENT with zod issues for an accepted type whose data fails its schema", async () => {
    const url = await start();
    const { body } = await post(`${url}/workflows/approval/runs`, {});
    await readSseUntil(await fetch(`${url}/runs/${body.runId}/events`), (m) => m.event === "Ask");
    const res = await post(`${url}/runs/${body.runId}/events`, {
      type: "Answer",
      data: { ok: "yes" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: "INVALID_EVENT",
      issues: [expect.objectContaining({ path: ["ok"] })],
    });
    const bad = await post(`${url}/runs/${body.runId}/events`, {
      type: "Note",
      data: { text: 1 },
      step: "note",
    });
    expect(bad.status).toBe(400);
    const step = await post(`${url}/runs/${body.runId}/events`, {
      type: "Note",
      data: { text: "x" },
      step: "nope",
    });
    expect(step.body.error.message).toContain('no step "nope"');
    await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
  });

  it("answers a fuzzed batch of random bodies on every POST route with a 4xx error JSON and keeps serving", async () => {
    const url = await start({ bodyLimit: 4096 });
    const { body } = await post(`${url}/workflows/approval/runs`, {});
    const routes = [`/workflows/order/runs`, `/runs/${body.runId}/events`, `/workflows/nope/runs`];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json({ maxDepth: 3 }),
          fc.record({ type: fc.string(), data: fc.anything() }).map((x) => JSON.stringify(x)),
          fc.record({ input: fc.anything() }).map((x) => JSON.stringify(x)),
        ),
        async (route, text) => {
          const res = await request(`${url}${route}`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: text,
          });
          // A random body may be a valid start input: then a run starts (201).
          if (res.status === 201) return;
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body.error).toEqual(
            expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
          );
        },
      ),
      { numRuns: 150 },
    );
    expect((await request(`${url}/health`)).status).toBe(200);
    await request(`${url}/runs/${body.runId}/cancel`, { method: "POST" });
  });
});

describe("token", () => {
  it("401 without the token or with a wrong one, on every route but /health", async () => {
    const url = await start({ token: "s3cret" });
    expect((await request(`${url}/health`)).status).toBe(200);
    for (const headers of [
      {},
      { Authorization: "Bearer nope" },
      { Authorization: "s3cret" },
      { Authorization: "Bearer s3cre" },
    ]) {
      for (const [method, path] of [
        ["GET", "/workflows"],
        ["GET", "/runs"],
        ["POST", "/workflows/order/runs"],
        ["GET", "/runs/x"],
        ["POST", "/runs/x/cancel"],
      ] as const) {
        const res = await request(`${url}${path}`, { method, headers });
        expect([path, res.status, res.body.error.code]).toEqual([path, 401, "UNAUTHORIZED"]);
        expect(res.headers.get("www-authenticate")).toContain("Bearer");
      }
    }
    const ok = await post(
      `${url}/workflows/order/runs?wait=true`,
      { input: { orderId: "t" } },
      { Authorization: "Bearer s3cret" },
    );
    expect(ok.status).toBe(200);
  });

  it("listen refuses a non-loopback address without a token, unless insecure: true", async () => {
    const make = (o: { token?: string; insecure?: boolean }) =>
      createServer({ workflows: { order: new OrderWorkflow() }, ...o });
    await expect(make({}).listen({ port: 0, hostname: "0.0.0.0" })).rejects.toThrow(
      /no token.*insecure: true/,
    );
    server = await make({ insecure: true }).listen({ port: 0, hostname: "0.0.0.0" });
    await server.close();
    server = await make({ token: "t" }).listen({ port: 0, hostname: "0.0.0.0" });
    expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
  });

  it("bad options name what is wrong", () => {
    expect(() => createServer({ workflows: {} })).toThrow(
      /workflows must be an object of workflow instances/,
    );
    expect(() =>
      createServer({ workflows: { order: new OrderWorkflow() }, bodyLimt: 10 } as never),
    ).toThrow(/did you mean bodyLimit/);
    expect(() => createServer({ workflows: { order: {} as never } })).toThrow(/Workflow instance/);
    expect(() => createServer({ workflows: { order: new OrderWorkflow() }, token: "" })).toThrow(
      /token/,
    );
    expect(() =>
      createServer({ workflows: { order: new OrderWorkflow() }, retainRuns: -1 }),
    ).toThrow(/retainRuns/);
  });
});

describe("cors", () => {
  it("is off unless cors lists origins; then those origins are allowed, others not", async () => {
    let url = await start();
    const plain = await fetch(`${url}/health`, { headers: { Origin: "https://app.example" } });
    expect(plain.headers.get("access-control-allow-origin")).toBeNull();
    await server!.close();
    url = await start({ cors: ["https://app.example"], token: "t" });
    const preflight = await fetch(`${url}/workflows`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fetch(`${url}/health`, { headers: { Origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("retention", () => {
  it("without a journal keeps the newest retainRuns finished runs and their streams, then 404", async () => {
    const url = await start({ retainRuns: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await post(`${url}/workflows/chatty/runs?wait=true`, { input: { count: 1 } })).body.runId,
      );
    }
    expect((await request(`${url}/runs/${ids[0]}`)).status).toBe(404);
    expect((await request(`${url}/runs/${ids[0]}/events`)).status).toBe(404);
    expect((await request(`${url}/runs/${ids[1]}`)).body.status).toBe("completed");
    expect(
      (await readSse(await fetch(`${url}/runs/${ids[2]}/events`))).map((m) => m.event),
    ).toEqual(["Progress", "StopEvent"]);
    expect((await request(`${url}/runs`)).body.map((r: { runId: string }) => r.runId)).toEqual([
      ids[2],
      ids[1],
    ]);
  });
});
