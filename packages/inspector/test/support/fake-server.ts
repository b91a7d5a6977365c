import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { InspectorPageAssets } from "../../src/index.js";
import type { InspectorGraph } from "../../src/workflow-graph-types.js";

/**
 * A stand-in for @eventloom/server's routes, driven by the test: it holds runs, steps and
 * streams in memory and pushes each change to the page's SSE connections. It proves the page
 * reads and sends the documented shapes; the real server is tested end to end in
 * packages/server/test/inspector.e2e.test.ts.
 */
export interface FakeRun {
  runId: string;
  workflow: string;
  status: string;
  startedAt: string;
  updatedAt: string;
  result?: unknown;
  error?: { code: string; message: string };
  traceId?: string;
}

export interface FakeSteps {
  steps: { name: string; running: number; completed: number; failed: number; waiting: number }[];
  waiting: { step: string; type: string; schema?: unknown }[];
}

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
}

export class FakeServer {
  readonly runs = new Map<string, FakeRun>();
  private readonly steps = new Map<string, FakeSteps>();
  private readonly events = new Map<string, { type: string; data: unknown }[]>();
  private readonly runSubscribers = new Set<ServerResponse>();
  private readonly stepSubscribers = new Map<string, Set<ServerResponse>>();
  private readonly eventSubscribers = new Map<string, Set<ServerResponse>>();
  readonly requests: Recorded[] = [];
  /** What a POST to /runs/:id/events or /cancel answers; a test may replace it. */
  onPost: (path: string, body: unknown) => { status: number; body?: unknown } = () => ({
    status: 202,
    body: { accepted: true },
  });
  private readonly server = createServer((req, res) => void this.handle(req, res));

  constructor(
    private readonly assets: InspectorPageAssets,
    readonly workflows: { name: string; graph: InspectorGraph; accepts?: string[] }[],
    readonly options: { token?: string } = {},
  ) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    for (const res of this.allSubscribers()) res.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Ends every open SSE response, as a restarting server or a dropped connection does. */
  dropStreams(): void {
    for (const res of this.allSubscribers()) res.destroy();
  }

  /** Adds or changes a run and tells every runs stream. */
  setRun(run: FakeRun): void {
    this.runs.set(run.runId, run);
    for (const res of this.runSubscribers) sse(res, "run", summary(run));
    if (isSettled(run.status)) {
      for (const res of this.eventSubscribers.get(run.runId) ?? []) res.end();
      this.eventSubscribers.delete(run.runId);
      this.pushSteps(run.runId);
      for (const res of this.stepSubscribers.get(run.runId) ?? []) res.end();
      this.stepSubscribers.delete(run.runId);
    }
  }

  setSteps(runId: string, steps: FakeSteps): void {
    this.steps.set(runId, steps);
    this.pushSteps(runId);
  }

  emit(runId: string, type: string, data: unknown): void {
    const list = this.events.get(runId) ?? [];
    list.push({ type, data });
    this.events.set(runId, list);
    for (const res of this.eventSubscribers.get(runId) ?? []) {
      sse(res, type, { type, data }, list.length);
    }
  }

  private pushSteps(runId: string): void {
    const body = this.stepsBody(runId);
    for (const res of this.stepSubscribers.get(runId) ?? []) sse(res, "steps", body);
  }

  private stepsBody(runId: string) {
    const run = this.runs.get(runId)!;
    const st = this.steps.get(runId) ?? { steps: [], waiting: [] };
    return { runId, status: run.status, steps: st.steps, waiting: st.waiting };
  }

  private *allSubscribers(): Iterable<ServerResponse> {
    yield* this.runSubscribers;
    for (const set of this.stepSubscribers.values()) yield* set;
    for (const set of this.eventSubscribers.values()) yield* set;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    const body = req.method === "POST" ? await readJson(req) : undefined;
    this.requests.push({
      method: req.method ?? "GET",
      path,
      authorization: req.headers.authorization,
      body,
    });
    const asset = this.assets.files.get(path);
    if (req.method === "GET" && asset !== undefined) {
      res.writeHead(200, {
        "Content-Type": asset.contentType,
        "Content-Security-Policy": this.assets.contentSecurityPolicy,
      });
      res.end(asset.body);
      return;
    }
    if (
      this.options.token !== undefined &&
      req.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      return json(res, 401, { error: { code: "unauthorized", message: "Missing or wrong token" } });
    }
    const wantsSse = req.headers.accept === "text/event-stream";
    if (req.method === "GET" && path === "/workflows") {
      return json(
        res,
        200,
        this.workflows.map((w) => ({
          name: w.name,
          startEvent: {},
          accepts: w.accepts ?? [],
          graph: w.graph,
        })),
      );
    }
    if (req.method === "GET" && path === "/runs") {
      const list = [...this.runs.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
      if (!wantsSse) return json(res, 200, list.map(summary));
      openSse(res);
      for (const run of list) sse(res, "run", summary(run));
      this.subscribe(this.runSubscribers, res);
      return;
    }
    const m = /^\/runs\/([^/]+)(\/events|\/steps|\/cancel)?$/.exec(path);
    const run = m === null ? undefined : this.runs.get(decodeURIComponent(m[1]!));
    if (m === null || run === undefined) {
      return json(res, 404, { error: { code: "not_found", message: `No run ${path}` } });
    }
    const tail = m[2];
    if (req.method === "GET" && tail === undefined) {
      const { runId, workflow, status, result, error, traceId, startedAt, updatedAt } = run;
      return json(res, 200, {
        runId,
        workflow,
        status,
        result,
        error,
        traceId,
        startedAt,
        updatedAt,
      });
    }
    if (req.method === "GET" && tail === "/steps") {
      if (!wantsSse) return json(res, 200, this.stepsBody(run.runId));
      openSse(res);
      sse(res, "steps", this.stepsBody(run.runId));
      if (isSettled(run.status)) return void res.end();
      this.subscribe(setOf(this.stepSubscribers, run.runId), res);
      return;
    }
    if (req.method === "GET" && tail === "/events") {
      openSse(res);
      const after = Number(req.headers["last-event-id"] ?? 0);
      (this.events.get(run.runId) ?? []).forEach((e, i) => {
        if (i + 1 > after) sse(res, e.type, e, i + 1);
      });
      if (isSettled(run.status)) return void res.end();
      this.subscribe(setOf(this.eventSubscribers, run.runId), res);
      return;
    }
    if (req.method === "POST" && (tail === "/events" || tail === "/cancel")) {
      const answer = this.onPost(path, body);
      return json(res, answer.status, answer.body ?? {});
    }
    json(res, 404, { error: { code: "not_found", message: `No route ${req.method} ${path}` } });
  }

  private subscribe(set: Set<ServerResponse>, res: ServerResponse): void {
    set.add(res);
    res.on("close", () => set.delete(res));
  }
}

function summary(r: FakeRun) {
  return {
    runId: r.runId,
    workflow: r.workflow,
    status: r.status,
    startedAt: r.startedAt,
    updatedAt: r.updatedAt,
  };
}

function isSettled(status: string): boolean {
  return ["completed", "failed", "timed_out", "cancelled"].includes(status);
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  return set;
}

function openSse(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store" });
  res.flushHeaders();
}

function sse(res: ServerResponse, event: string, data: unknown, id?: number): void {
  res.write(
    `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
  );
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}
