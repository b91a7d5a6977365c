import { type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type EventClass,
  EventValidationError,
  type JournalRunStatus,
  RunOwnedError,
  Workflow,
  WorkflowRuntimeError,
  WorkflowValidationError,
  describeWorkflow,
  eventTypeName,
  nearestName,
} from "@eventloom/core";
import { type TextMapGetter, context as otelContext, propagation } from "@opentelemetry/api";
import { type Context as HonoContext, Hono } from "hono";
import { cors as honoCors } from "hono/cors";
import { HttpError, issuesOf } from "./internal/http-error.js";
import { type OpenStreams, runEventStream, sseChannel } from "./internal/event-stream-response.js";
import type { InspectorOptions } from "./inspector-options.js";
import { type InspectorPageAssets, inspectorModule } from "./internal/inspector.js";
import type { RunInfo } from "./run-info.js";
import { FinishedRun } from "./internal/finished-run.js";
import { LiveRun } from "./internal/live-run.js";
import { type ForeignRun, type HeldRun, RunRegistry } from "./internal/run-registry.js";
import type { ServedWorkflow } from "./internal/served-workflow.js";
import { type StepsSummary, stepsSummary } from "./steps-summary.js";
import { tokenChecker } from "./internal/token.js";
import { eventJsonSchema, externalEventTypes, isStartOrStop } from "./internal/workflow-events.js";

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The workflows to serve, by the name clients use (`POST /workflows/:name/runs`). */
  readonly workflows: Readonly<Record<string, Workflow>>;
  /**
   * A bearer token every route but `GET /health` (and the inspector's static files) requires:
   * `Authorization: Bearer <token>`. Compared in constant time.
   */
  readonly token?: string;
  /** The largest request body in bytes; default 1 MiB (1 048 576). Larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Origins allowed to call the server from a browser (CORS); off unless given. */
  readonly cors?: readonly string[];
  /**
   * Without a journal, how many finished runs (with their streams) stay answerable; older ones
   * answer 404. Default 1 000. Journaled runs are read back from the journal instead.
   */
  readonly retainRuns?: number;
  /** Allow `listen` on a non-loopback address without a `token`. Default false. */
  readonly insecure?: boolean;
  /** Serve the live inspector page (`@eventloom/inspector`) at `/`. */
  readonly inspector?: boolean | InspectorOptions;
}

/** Options of `server.listen()`. */
export interface ListenOptions {
  /** The TCP port; 0 picks a free one (the `url` says which). Default 8787. */
  readonly port?: number;
  /** The address to bind; default "127.0.0.1". */
  readonly hostname?: string;
}

/** A listening server. */
export interface ListeningServer {
  /** `http://<hostname>:<port>`, with the real port. */
  readonly url: string;
  readonly port: number;
  readonly hostname: string;
  /** Ends open streams and stops listening; runs keep going (journaled ones are in the journal). */
  close(): Promise<void>;
}

/** What {@link createServer} returns. */
export interface WorkflowServer {
  /** The Hono app: mount it in an existing app with `app.route("/wf", server.app)`. */
  readonly app: Hono;
  /**
   * Recovers unfinished journaled runs (`workflow.recover()`), then listens on Node's HTTP
   * server. Refuses a non-loopback `hostname` without a `token` unless `insecure: true`.
   */
  listen(options?: ListenOptions): Promise<ListeningServer>;
  /** Closes what `listen` opened (same as the listening server's `close`). */
  close(): Promise<void>;
}

const KNOWN_OPTIONS = [
  "workflows",
  "token",
  "bodyLimit",
  "cors",
  "retainRuns",
  "insecure",
  "inspector",
] as const;
const STATUSES: readonly JournalRunStatus[] = [
  "running",
  "completed",
  "failed",
  "timed_out",
  "cancelled",
];
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Serves workflows over HTTP: start runs, follow their streams (SSE or NDJSON), send events,
 * cancel, read snapshots. Errors are `{ error: { code, message, issues? } }`.
 *
 * @example
 * const server = createServer({ workflows: { order: new OrderWorkflow({ journal }) }, token });
 * const { url, close } = await server.listen({ port: 8787 });
 */
export function createServer(options: ServerOptions): WorkflowServer {
  const o = checkOptions(options);
  const served: ServedWorkflow[] = Object.entries(o.workflows).map(([name, workflow]) => ({
    name,
    workflow,
  }));
  const byName = new Map(served.map((s) => [s.name, s]));
  const registry = new RunRegistry(served, o.retainRuns ?? 1000);
  const open: OpenStreams = new Set();
  const limit = o.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const checkToken = o.token === undefined ? undefined : tokenChecker(o.token);
  const inspector =
    o.inspector === undefined || o.inspector === false
      ? undefined
      : o.inspector === true
        ? {}
        : o.inspector;
  let assets: Promise<InspectorPageAssets | undefined> | undefined;
  const inspectorAssets = (): Promise<InspectorPageAssets | undefined> =>
    (assets ??= inspectorModule().then((m) => m.inspectorAssets(inspector ?? {})));

  const app = new Hono();
  app.onError((error, c) => {
    const http =
      error instanceof HttpError
        ? error
        : new HttpError(500, "INTERNAL", `The server failed: ${error.message}`);
    return c.json(http.toJSON(), http.status);
  });
  app.notFound((c) =>
    c.json(
      new HttpError(
        404,
        "NOT_FOUND",
        `No route ${c.req.method} ${c.req.path}: see GET /workflows and the routes in the @eventloom/server README`,
      ).toJSON(),
      404,
    ),
  );

  if (o.cors !== undefined) {
    app.use(
      "*",
      honoCors({
        origin: [...o.cors],
        allowHeaders: [
          "Authorization",
          "Content-Type",
          "Last-Event-ID",
          "traceparent",
          "tracestate",
        ],
        allowMethods: ["GET", "POST", "OPTIONS"],
      }),
    );
  }

  app.get("/health", (c) => c.json({ status: "ok" }));

  if (inspector !== undefined) {
    // The page and its assets need no token: the page asks for it and sends it itself. Routes
    // (not a path lookup) so that the page works where the app is mounted under a prefix.
    const serveFile = async (c: HonoContext, key: string): Promise<Response> => {
      const found = await inspectorAssets();
      const file = found?.files.get(key);
      if (found === undefined || file === undefined) {
        throw new HttpError(404, "NOT_FOUND", `The inspector has no file ${key}`);
      }
      return c.body(
        typeof file.body === "string" ? file.body : (file.body as Uint8Array<ArrayBuffer>),
        200,
        {
          "Content-Type": file.contentType,
          "Content-Security-Policy": found.contentSecurityPolicy,
          "Cache-Control": "no-cache",
        },
      );
    };
    // The page is at the app's root with a trailing slash ("/" or "/wf/" where mounted), so
    // that its relative asset URLs resolve under the prefix; "/wf" redirects there.
    app.use("*", async (c, next) =>
      c.req.method === "GET" && c.req.path.endsWith("/") ? serveFile(c, "/") : next(),
    );
    app.get("/", (c) => c.redirect(`${c.req.path}/`));
    app.get("/assets/*", (c) => serveFile(c, `/assets/${c.req.path.split("/assets/").pop()!}`));
  }

  if (checkToken !== undefined) {
    app.use("*", async (c, next) => {
      if (!checkToken(c.req.header("Authorization"))) {
        c.header("WWW-Authenticate", 'Bearer realm="eventloom"');
        const given = c.req.header("Authorization") !== undefined;
        throw new HttpError(
          401,
          "UNAUTHORIZED",
          given
            ? "Wrong token: send the server's token as Authorization: Bearer <token>"
            : "This server needs a token: send Authorization: Bearer <token>",
        );
      }
      return next();
    });
  }

  app.get("/workflows", async (c) => {
    const graph = inspector === undefined ? undefined : (await inspectorModule()).workflowGraph;
    return c.json(
      served.map((s) => ({
        name: s.name,
        startEvent: eventJsonSchema(describeWorkflow(s.workflow).startEvent),
        accepts: externalEventTypes(s.workflow).map((cls) => eventTypeName(cls)),
        ...(graph !== undefined ? { graph: graph(s.workflow) } : {}),
      })),
    );
  });

  app.post("/workflows/:name/runs", async (c) => {
    const name = c.req.param("name");
    const s = byName.get(name);
    if (s === undefined) {
      throw new HttpError(
        404,
        "WORKFLOW_NOT_FOUND",
        `No workflow named "${name}" is served here (served: ${[...byName.keys()].join(", ") || "none"})`,
      );
    }
    const wait = flag(c.req.query("wait"), "wait");
    const body = await readJson(c, limit, { optional: true });
    const fields = objectBody(body ?? {}, ["input"], "POST /workflows/:name/runs");
    const input = fields["input"] ?? {};
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new HttpError(
        400,
        "INVALID_INPUT",
        `input must be an object of ${eventTypeName(describeWorkflow(s.workflow).startEvent)} fields; got ${describe(input)}`,
      );
    }
    const record = startRun(c, s, input as Record<string, unknown>);
    const location = `/runs/${record.runId}`;
    if (!wait) return jsonAt(c, { runId: record.runId, status: record.status }, 201, location);
    await record.settled;
    return jsonAt(c, runState(record), 200, location);
  });

  function startRun(c: HonoContext, s: ServedWorkflow, input: Record<string, unknown>): LiveRun {
    // The request itself is the carrier: the propagator asks for the headers it reads
    // (traceparent, tracestate, ...), so no copy of every header is made per request.
    const parent = propagation.extract(otelContext.active(), c.req, requestHeaders);
    try {
      const handler = otelContext.with(parent, () => s.workflow.run(input));
      return registry.started(s, handler as never);
    } catch (error) {
      if (error instanceof EventValidationError) {
        throw new HttpError(400, "INVALID_INPUT", error.message, issuesOf(error.cause));
      }
      if (error instanceof WorkflowValidationError) {
        throw new HttpError(500, "WORKFLOW_INVALID", error.message);
      }
      throw error;
    }
  }

  app.get("/runs", async (c) => {
    const workflow = c.req.query("workflow");
    const status = c.req.query("status");
    if (workflow !== undefined && !byName.has(workflow)) {
      throw new HttpError(
        404,
        "WORKFLOW_NOT_FOUND",
        `No workflow named "${workflow}" is served here (served: ${[...byName.keys()].join(", ")})`,
      );
    }
    if (status !== undefined && !STATUSES.includes(status as JournalRunStatus)) {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        `status must be one of ${STATUSES.join(", ")}; got "${status}"`,
      );
    }
    const filter = {
      ...(workflow !== undefined ? { workflow } : {}),
      ...(status !== undefined ? { status: status as JournalRunStatus } : {}),
    };
    if (!accepts(c, "text/event-stream")) return c.json(await registry.list(filter));
    const matches = (info: RunInfo) =>
      (filter.workflow === undefined || info.workflow === filter.workflow) &&
      (filter.status === undefined || info.status === filter.status);
    return sse(
      c,
      sseChannel(open, (send) => {
        // Listening first, so a change while the list is read is sent after it, not lost.
        let backlog: RunInfo[] | undefined = [];
        const off = registry.onRunChange((info) => {
          if (!matches(info)) return;
          if (backlog !== undefined) backlog.push(info);
          else send("run", info);
        });
        void registry.list(filter).then(
          (runs) => {
            for (const info of runs) send("run", info);
            for (const info of backlog ?? []) send("run", info);
            backlog = undefined;
          },
          () => (backlog = undefined),
        );
        return off;
      }),
    );
  });

  /** The run of `:id`, or 404. */
  async function findRun(c: HonoContext): Promise<HeldRun | ForeignRun> {
    const runId = c.req.param("id")!;
    const found = await registry.find(runId);
    if (found === undefined) {
      throw new HttpError(
        404,
        "RUN_NOT_FOUND",
        `No run ${runId} here: it never existed, or it finished long ago and was dropped (the newest retainRuns finished runs are kept; with a journal every run is kept)`,
      );
    }
    return found;
  }

  const owned = (run: ForeignRun): HttpError =>
    new HttpError(
      409,
      "RUN_OWNED",
      `Run ${run.info.runId} is driven by another live process on the same journal; ask that server, or retry once its claim has expired`,
    );

  app.get("/runs/:id", async (c) => {
    const run = await findRun(c);
    if (isForeign(run)) {
      return c.json({
        runId: run.info.runId,
        workflow: run.info.workflow,
        status: run.info.status,
      });
    }
    // ?wait=true answers once the run has settled (what a client's result() waits on).
    if (flag(c.req.query("wait"), "wait")) await run.settled;
    return c.json(runState(run));
  });

  app.get("/runs/:id/events", async (c) => {
    const run = await findRun(c);
    if (isForeign(run)) throw owned(run);
    const from = lastEventId(c.req.header("Last-Event-ID")) + 1;
    const format = accepts(c, "application/x-ndjson") ? "ndjson" : "sse";
    const body = runEventStream(run, from, format, open);
    if (format === "ndjson") {
      return c.body(body, 200, {
        "Content-Type": "application/x-ndjson",
        "Cache-Control": "no-cache",
      });
    }
    return sse(c, body);
  });

  app.get("/runs/:id/steps", async (c) => {
    const run = await findRun(c);
    if (isForeign(run)) throw owned(run);
    if (!accepts(c, "text/event-stream")) return c.json(stepsOf(run));
    return sse(
      c,
      sseChannel(open, (send, close) => {
        let last = "";
        const tick = (): void => {
          const summary = stepsOf(run);
          const text = JSON.stringify(summary);
          if (text !== last) {
            last = text;
            send("steps", summary);
          }
          if (run.done) close();
        };
        // History has no change feed: it is read on a short interval while someone watches.
        const timer = globalThis.setInterval(tick, 200);
        const off = run.subscribe(tick);
        tick();
        return () => {
          globalThis.clearInterval(timer);
          off();
        };
      }),
    );
  });

  app.post("/runs/:id/events", async (c) => {
    const run = await findRun(c);
    const body = objectBody(
      await readJson(c, limit),
      ["type", "data", "step"],
      "POST /runs/:id/events",
    );
    const { type, data, step } = body;
    if (typeof type !== "string" || type === "") {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        `type must be an event type name (a string); got ${describe(type)}`,
      );
    }
    if (data !== undefined && (data === null || typeof data !== "object" || Array.isArray(data))) {
      throw new HttpError(
        400,
        "INVALID_EVENT",
        `data must be an object of ${type} fields; got ${describe(data)}`,
      );
    }
    if (step !== undefined && typeof step !== "string") {
      throw new HttpError(
        400,
        "BAD_REQUEST",
        `step must be a step name (a string); got ${describe(step)}`,
      );
    }
    const s = run.served;
    const runId = isForeign(run) ? run.info.runId : run.runId;
    // A foreign run is driven elsewhere: the journal takes the event (or says it is owned).
    const live = isForeign(run) ? undefined : unended(run);
    if (!isForeign(run) && live === undefined) throw ended(run);
    const acceptedNow = externalEventTypes(s.workflow).map((cls) => eventTypeName(cls));
    if (!acceptedNow.includes(type)) {
      const waited = live !== undefined ? await waitedTypes(live) : [];
      if (!waited.includes(type)) {
        const all = [...new Set([...acceptedNow, ...waited])];
        throw new HttpError(
          422,
          "EVENT_NOT_ACCEPTED",
          `${s.name} does not accept "${type}" events from outside${all.length ? ` (it accepts: ${all.join(", ")})` : " (it accepts none now)"}; start and stop events never are`,
        );
      }
    }
    let event;
    try {
      event = s.workflow.reviveEvent({ type, data: (data ?? {}) as Record<string, unknown> });
    } catch (error) {
      if (error instanceof EventValidationError) {
        throw new HttpError(400, "INVALID_EVENT", error.message, issuesOf(error.cause));
      }
      throw new HttpError(
        422,
        "EVENT_NOT_ACCEPTED",
        error instanceof Error ? error.message : String(error),
      );
    }
    if (isStartOrStop(event.constructor as EventClass)) {
      throw new HttpError(
        422,
        "EVENT_NOT_ACCEPTED",
        `"${type}" is a start or stop event: those are never accepted from outside`,
      );
    }
    if (step !== undefined) checkStep(s, step, event.constructor as EventClass, type);
    const options = step !== undefined ? { step } : undefined;
    try {
      if (s.workflow.options.journal !== undefined)
        await s.workflow.sendEvent(runId, event, options);
      else live!.handler.sendEvent(event, options);
    } catch (error) {
      if (error instanceof RunOwnedError) throw owned(run as ForeignRun);
      if (live?.handler.isDone() === true) throw ended(live);
      if (error instanceof WorkflowRuntimeError)
        throw new HttpError(400, "BAD_REQUEST", error.message);
      throw error;
    }
    return c.json({ runId, type }, 202);
  });

  app.post("/runs/:id/cancel", async (c) => {
    const run = await findRun(c);
    if (isForeign(run)) throw owned(run);
    const live = unended(run);
    if (live === undefined) throw ended(run);
    await live.handler.cancel();
    await live.settled;
    return c.json({ runId: live.runId, status: live.status }, 202);
  });

  app.get("/runs/:id/snapshot", async (c) => {
    const run = await findRun(c);
    if (isForeign(run)) throw owned(run);
    try {
      return c.json(await (run instanceof FinishedRun ? run.snapshot() : run.handler.snapshot()));
    } catch (error) {
      throw new HttpError(
        500,
        "SNAPSHOT_FAILED",
        error instanceof Error ? error.message : String(error),
      );
    }
  });

  let listening: { server: HttpServer; close: () => Promise<void> } | undefined;

  return {
    app,
    async listen(listen: ListenOptions = {}) {
      const { port = 8787, hostname = "127.0.0.1" } = listen;
      if (listening !== undefined) {
        throw new WorkflowValidationError(
          "server.listen(): this server is already listening; call close() first",
        );
      }
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new WorkflowValidationError(
          `server.listen(): port must be an integer 0..65535 (0 picks a free one); got ${String(port)}`,
        );
      }
      if (!isLoopback(hostname) && o.token === undefined && o.insecure !== true) {
        throw new WorkflowValidationError(
          `server.listen(): ${hostname} is reachable from other machines, and the server has no token: pass createServer({ token }) (clients send Authorization: Bearer <token>), or insecure: true if something in front of it checks who calls`,
        );
      }
      await recoverRuns();
      const server = await new Promise<HttpServer>((resolve, reject) => {
        const s = serve({ fetch: ownFetch(app), port, hostname }) as HttpServer;
        s.once("listening", () => resolve(s));
        s.once("error", reject);
      });
      const address = server.address() as AddressInfo;
      const host = hostname.includes(":") ? `[${hostname}]` : hostname;
      const close = async (): Promise<void> => {
        if (listening?.server !== server) return;
        listening = undefined;
        for (const end of [...open]) end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      };
      listening = { server, close };
      return { url: `http://${host}:${address.port}`, port: address.port, hostname, close };
    },
    async close() {
      await listening?.close();
    },
  };

  /** Resumes the unfinished runs in the served workflows' journals that nobody drives. */
  async function recoverRuns(): Promise<void> {
    const seen = new Set<Workflow>();
    for (const s of served) {
      if (s.workflow.options.journal === undefined || seen.has(s.workflow)) continue;
      seen.add(s.workflow);
      for (const handler of await s.workflow.recover()) {
        if (registry.get(handler.runId) !== undefined) continue;
        handler.then(undefined, () => {});
        const startedAt =
          (await s.workflow.options.journal.read(handler.runId))[0]?.at ?? Date.now();
        await registry.adopted(s, handler as never, startedAt);
      }
    }
  }
}

/** Marks the env of a request that came in through `listen()`, not through an app it is mounted in. */
const OWN_REQUEST = Symbol("eventloom.server.ownRequest");

/** `app.fetch` for `listen()`: the same, with each request's env marked as {@link OWN_REQUEST}. */
function ownFetch(app: Hono): (request: Request, env: object) => Response | Promise<Response> {
  return (request, env) => {
    (env as Record<symbol, unknown>)[OWN_REQUEST] = true;
    return app.fetch(request, env);
  };
}

/**
 * `body` as JSON with a `Location` header. Through `listen()` only this server's middleware can
 * have run before the route (and none of it leaves headers for the route's response to carry), so
 * the response is built with its two headers as a plain object; `c.header()` would make a web
 * `Headers` per response, which costs more than the rest of the response. Mounted in another app,
 * whose middleware may have set headers with `c.header()`, it goes through `c.header()`/`c.json()`.
 */
function jsonAt(
  c: HonoContext,
  body: Record<string, unknown>,
  status: 200 | 201,
  location: string,
): Response {
  if ((c.env as Record<symbol, unknown> | undefined)?.[OWN_REQUEST] === true) {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json", Location: location },
    });
  }
  c.header("Location", location);
  return c.json(body, status);
}

/** Trace context propagators read the request's headers through this. */
const requestHeaders: TextMapGetter<HonoContext["req"]> = {
  get: (req, key) => req.header(key),
  keys: (req) => Object.keys(req.header()),
};

/** True for a journaled run another live process drives. */
function isForeign(run: HeldRun | ForeignRun): run is ForeignRun {
  return !(run instanceof LiveRun || run instanceof FinishedRun);
}

/** The run if it has not ended; undefined once it has (a finished run has no handler). */
function unended(run: HeldRun): LiveRun | undefined {
  return run instanceof LiveRun && !run.done && !run.handler.isDone() ? run : undefined;
}

/** `GET /runs/:id/steps`: a finished run's as it settled, a live run's from its history. */
function stepsOf(run: HeldRun): StepsSummary {
  return run instanceof FinishedRun ? run.stepsSummary() : stepsSummary(run);
}

/** `{ runId, workflow, status, result?, error?, traceId? }` of a run. */
function runState(run: HeldRun): Record<string, unknown> {
  return {
    runId: run.runId,
    workflow: run.served.name,
    status: run.status,
    ...(run.status === "completed" && run.result !== undefined ? { result: run.result } : {}),
    ...(run.error !== undefined ? { error: run.error } : {}),
    // Only for a traced run: the inspector links it to the tracing backend.
    ...(run.traceId !== undefined ? { traceId: run.traceId } : {}),
  };
}

function ended(run: HeldRun): HttpError {
  return new HttpError(
    409,
    "RUN_ENDED",
    `Run ${run.runId} has already ended (${run.status === "running" ? "ending" : run.status}): it takes no more events and cannot be cancelled`,
  );
}

/** The type names a live invocation of the run waits for now (history, else the snapshot). */
async function waitedTypes(run: LiveRun): Promise<string[]> {
  const out = new Set<string>();
  for (const r of run.handler.history) {
    if (r.status === "running" && r.waitingFor !== undefined) out.add(r.waitingFor);
  }
  if (out.size > 0) return [...out];
  // A run just resumed from its journal may not have reached its wait again yet.
  try {
    const snapshot = await run.handler.snapshot();
    for (const w of snapshot.waiting) out.add(w.eventType);
    for (const i of snapshot.inFlight) for (const t of i.waitingFor ?? []) out.add(t);
  } catch {
    // No snapshot (a store value that is not JSON-safe): the history is all there is.
  }
  return [...out];
}

function checkStep(s: ServedWorkflow, step: string, cls: EventClass, type: string): void {
  const steps = describeWorkflow(s.workflow).steps;
  const target = steps.find((x) => x.name === step);
  if (target === undefined) {
    throw new HttpError(
      400,
      "BAD_REQUEST",
      `${s.name} has no step "${step}" (steps: ${steps.map((x) => x.name).join(", ")})`,
    );
  }
  if (!target.accepts.includes(cls)) {
    throw new HttpError(
      400,
      "BAD_REQUEST",
      `Step ${step} of ${s.name} does not accept ${type}; leave step out to deliver it to whichever step accepts or waits for it`,
    );
  }
}

function sse(c: HonoContext, body: ReadableStream<Uint8Array>): Response {
  return c.body(body, 200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
  });
}

function accepts(c: HonoContext, type: string): boolean {
  return (c.req.header("Accept") ?? "").toLowerCase().includes(type);
}

function lastEventId(header: string | undefined): number {
  if (header === undefined || header.trim() === "") return -1;
  const n = Number(header.trim());
  if (!Number.isInteger(n) || n < -1) {
    throw new HttpError(
      400,
      "BAD_REQUEST",
      `Last-Event-ID must be the id (an integer >= 0) of the last event received; got "${header}"`,
    );
  }
  return n;
}

function flag(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "false" || value === "0") return false;
  if (value === "true" || value === "1" || value === "") return true;
  throw new HttpError(400, "BAD_REQUEST", `?${name} must be true or false; got "${value}"`);
}

/** The request body as JSON: 400 for a body that is not JSON or not sent as application/json. */
async function readJson(
  c: HonoContext,
  limit: number,
  o: { optional?: boolean } = {},
): Promise<unknown> {
  const text = await readBody(c, limit);
  if (text.trim() === "") {
    if (o.optional === true) return undefined;
    throw new HttpError(
      400,
      "BAD_JSON",
      "The request needs a JSON body (Content-Type: application/json)",
    );
  }
  const type = c.req.header("Content-Type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new HttpError(
      400,
      "UNSUPPORTED_CONTENT_TYPE",
      `Send the body as JSON with Content-Type: application/json; got ${type === "" ? "no Content-Type" : `"${type}"`}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(
      400,
      "BAD_JSON",
      `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * The body as text, refused with 413 past `limit` bytes: at once by its Content-Length, or
 * while it streams in (a chunked body), so an oversized body is never held whole.
 */
async function readBody(c: HonoContext, limit: number): Promise<string> {
  const tooLarge = () =>
    new HttpError(
      413,
      "BODY_TOO_LARGE",
      `The request body is over this server's limit of ${limit} bytes (createServer({ bodyLimit }))`,
    );
  const length = c.req.header("Content-Length");
  if (length !== undefined && Number(length) > limit) throw tooLarge();
  // HTTP/1.1 delivers no more than the Content-Length declared. Read before touching
  // `c.req.raw.body`: on @hono/node-server that getter builds a whole web Request (an
  // AbortController, a ReadableStream over the socket), which `c.req.text()` does not need.
  if (length !== undefined) return c.req.text();
  const body = c.req.raw.body;
  if (body === null) return "";
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function objectBody(
  body: unknown,
  keys: readonly string[],
  route: string,
): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(
      400,
      "BAD_REQUEST",
      `${route} takes a JSON object { ${keys.join(", ")} }; got ${describe(body)}`,
    );
  }
  for (const key of Object.keys(body)) {
    if (!keys.includes(key)) {
      const near = nearestName(key, keys);
      throw new HttpError(
        400,
        "BAD_REQUEST",
        `${route}: unknown key "${key}"${near !== undefined ? ` (did you mean ${near}?)` : ""}; the body is { ${keys.join(", ")} }${keys.includes("input") ? ', with the start event\'s fields under input: { "input": { ... } }' : ""}`,
      );
    }
  }
  return body as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? JSON.stringify(value) : typeof value;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === "localhost" || h === "::1" || h === "[::1]" || /^127(\.\d{1,3}){3}$/.test(h);
}

function checkOptions(options: ServerOptions): ServerOptions {
  if (options === null || typeof options !== "object") {
    throw new WorkflowValidationError(
      "createServer(options): pass { workflows: { name: new MyWorkflow() } }",
    );
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!(KNOWN_OPTIONS as readonly string[]).includes(key)) {
      const near = nearestName(key, KNOWN_OPTIONS);
      problems.push(
        `unknown option "${key}"${near !== undefined ? ` (did you mean ${near}?)` : ""}`,
      );
    }
  }
  const w = options.workflows as unknown;
  if (w === null || typeof w !== "object" || Array.isArray(w) || Object.keys(w).length === 0) {
    problems.push(
      "workflows must be an object of workflow instances by name, e.g. { order: new OrderWorkflow() }",
    );
  } else {
    for (const [name, wf] of Object.entries(w)) {
      if (!(wf instanceof Workflow))
        problems.push(
          `workflows.${name} must be a Workflow instance (new MyWorkflow()); got ${describe(wf)}`,
        );
      if (!/^[\w.-]+$/.test(name))
        problems.push(`workflows: the name "${name}" must be URL-safe (letters, digits, _ . -)`);
    }
  }
  if (options.token !== undefined && (typeof options.token !== "string" || options.token === "")) {
    problems.push("token must be a non-empty string");
  }
  const limit = options.bodyLimit;
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    problems.push(`bodyLimit must be a positive integer number of bytes; got ${String(limit)}`);
  }
  const retain = options.retainRuns;
  if (retain !== undefined && !(Number.isInteger(retain) && retain >= 0)) {
    problems.push(`retainRuns must be an integer >= 0; got ${String(retain)}`);
  }
  if (
    options.cors !== undefined &&
    !(Array.isArray(options.cors) && options.cors.every((x) => typeof x === "string"))
  ) {
    problems.push('cors must be an array of allowed origins, e.g. ["https://app.example.com"]');
  }
  if (options.insecure !== undefined && typeof options.insecure !== "boolean") {
    problems.push("insecure must be a boolean");
  }
  const i = options.inspector as unknown;
  if (i !== undefined && typeof i !== "boolean" && (i === null || typeof i !== "object")) {
    problems.push("inspector must be true, false or { jaegerUrl }");
  }
  if (problems.length > 0) {
    throw new WorkflowValidationError(problems.map((p) => `createServer(): ${p}`));
  }
  return options;
}
