import type { EventJSON, JournalRunStatus, RunInput, RunResult, Workflow } from "@eventloom/core";
import { context as otelContext, propagation } from "@opentelemetry/api";
import { Observable } from "rxjs";
import { RemoteRunError, WorkflowClientError, type RemoteIssue } from "./errors.js";
import { readSse } from "./internal/sse-reader.js";
import type {
  RemoteEvent,
  RemoteEventInput,
  RemoteHandler,
  RemoteRunState,
} from "./remote-handler.js";

/** Options of a {@link WorkflowClient}. */
export interface WorkflowClientOptions {
  /** The server's URL, with the prefix it is mounted under if any: `http://127.0.0.1:8787`. */
  readonly baseUrl: string;
  /** The server's token, sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** The fetch to use; default the global one. */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * How many times in a row a dropped stream (or `result()` wait) reconnects before giving
   * up with a "NETWORK" error; default 10. The delay doubles from 100 ms up to 5 s.
   */
  readonly maxReconnects?: number;
}

/** A run as `client.list()` gives it. */
export interface RemoteRunInfo {
  readonly runId: string;
  readonly workflow: string;
  readonly status: JournalRunStatus;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly updatedAt: number;
}

/** A served workflow as `client.workflows()` gives it. */
export interface RemoteWorkflowInfo {
  readonly name: string;
  /** The JSON Schema of the start event's data (what `run(name, input)` takes). */
  readonly startEvent: Record<string, unknown>;
  /** The event types the workflow accepts from outside at any time. */
  readonly accepts: readonly string[];
}

/** Options of `client.run()`. */
export interface RemoteRunOptions {
  /** Wait for the run to settle before resolving (one request: `?wait=true`). */
  readonly wait?: boolean;
  /** Aborts the request (not the run: use `handler.cancel()` for that). */
  readonly signal?: AbortSignal;
}

/** What a remote run of `W` resolves to: its result, or a custom stop event as JSON. */
export type RemoteResult<W> =
  RunResult<W> extends { toJSON(): EventJSON } ? EventJSON : RunResult<W>;

/** `client.workflow<W>(name)`: runs typed from the workflow class. */
export interface TypedWorkflowClient<W extends Workflow> {
  /** Starts a run; `input` is checked against `W`'s start event at compile time. */
  run(input: RunInput<W>, options?: RemoteRunOptions): Promise<RemoteHandler<RemoteResult<W>>>;
  /** A handler of an existing run of this workflow. */
  handle(runId: string): RemoteHandler<RemoteResult<W>>;
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  "completed",
  "failed",
  "timed_out",
  "cancelled",
]);

/**
 * A typed HTTP client for `@eventloom/server`: start runs, follow their streams (SSE, resumed
 * with `Last-Event-ID` when a connection drops), send events, cancel. Works in Node 20+ and in
 * browsers; sends the active OpenTelemetry context as `traceparent`.
 *
 * @example
 * const client = new WorkflowClient({ baseUrl: "http://127.0.0.1:8787", token });
 * const run = await client.workflow<OrderWorkflow>("order").run({ orderId: "o-1" });
 * for await (const ev of run.streamEvents()) console.log(ev.type, ev.data);
 * console.log(await run.result());
 */
export class WorkflowClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof globalThis.fetch;
  readonly maxReconnects: number;

  constructor(options: WorkflowClientOptions) {
    if (options === null || typeof options !== "object" || typeof options.baseUrl !== "string") {
      throw new TypeError(
        'new WorkflowClient({ baseUrl }): baseUrl must be the server\'s URL, e.g. "http://127.0.0.1:8787"',
      );
    }
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(
        `new WorkflowClient({ baseUrl }): "${options.baseUrl}" is not a URL; pass e.g. "http://127.0.0.1:8787"`,
      );
    }
    this.baseUrl = url.href.replace(/\/+$/, "");
    if (
      options.token !== undefined &&
      (typeof options.token !== "string" || options.token === "")
    ) {
      throw new TypeError("new WorkflowClient({ token }): token must be a non-empty string");
    }
    this.#token = options.token;
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") {
      throw new TypeError(
        "new WorkflowClient(): no fetch: pass options.fetch (Node 20+ and browsers have a global one)",
      );
    }
    // Called unbound: browsers throw "Illegal invocation" for a detached window.fetch.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.maxReconnects = options.maxReconnects ?? 10;
  }

  /** Starts a run of the workflow served as `name`. */
  async run<Result = unknown>(
    name: string,
    input: Record<string, unknown> = {},
    options: RemoteRunOptions = {},
  ): Promise<RemoteHandler<Result>> {
    const query = options.wait === true ? "?wait=true" : "";
    const body = (await this.request(`/workflows/${encodeURIComponent(name)}/runs${query}`, {
      method: "POST",
      json: { input },
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
    })) as RemoteRunState<Result>;
    const handler = new HttpRemoteHandler<Result>(this, body.runId);
    if (TERMINAL_STATUSES.has(body.status)) handler.settledState = { ...body, workflow: name };
    return handler;
  }

  /** A handler of an existing run (no request is made until you use it). */
  handle<Result = unknown>(runId: string): RemoteHandler<Result> {
    if (typeof runId !== "string" || runId === "") {
      throw new TypeError("client.handle(runId): runId must be a run's id (a non-empty string)");
    }
    return new HttpRemoteHandler<Result>(this, runId);
  }

  /** Runs, newest first, filtered by workflow name and status. */
  async list(
    filter: { workflow?: string; status?: JournalRunStatus } = {},
  ): Promise<RemoteRunInfo[]> {
    const params = new URLSearchParams();
    if (filter.workflow !== undefined) params.set("workflow", filter.workflow);
    if (filter.status !== undefined) params.set("status", filter.status);
    const q = params.size > 0 ? `?${params.toString()}` : "";
    return (await this.request(`/runs${q}`)) as RemoteRunInfo[];
  }

  /** The served workflows: names, start event schemas, accepted event types. */
  async workflows(): Promise<RemoteWorkflowInfo[]> {
    return (await this.request("/workflows")) as RemoteWorkflowInfo[];
  }

  /**
   * Runs of one workflow, typed from its class: `input` is checked at compile time.
   *
   * @example
   * const run = await client.workflow<OrderWorkflow>("order").run({ orderId: "o-1" });
   */
  workflow<W extends Workflow>(name: string): TypedWorkflowClient<W> {
    return {
      run: (input, options) =>
        this.run<RemoteResult<W>>(name, input as Record<string, unknown>, options),
      handle: (runId) => this.handle<RemoteResult<W>>(runId),
    };
  }

  /** @internal One request: JSON in and out, the token and traceparent headers, errors thrown. */
  async request(
    path: string,
    init: {
      method?: string;
      json?: unknown;
      signal?: AbortSignal;
      headers?: Record<string, string>;
    } = {},
  ): Promise<unknown> {
    const res = await this.fetchRaw(path, init);
    const text = await res.text();
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  /** @internal The response of a request that succeeded (2xx); a WorkflowClientError otherwise. */
  async fetchRaw(
    path: string,
    init: {
      method?: string;
      json?: unknown;
      signal?: AbortSignal;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json", ...init.headers };
    if (this.#token !== undefined) headers["Authorization"] = `Bearer ${this.#token}`;
    if (init.json !== undefined) headers["Content-Type"] = "application/json";
    propagation.inject(otelContext.active(), headers);
    let res: Response;
    try {
      res = await this.#fetch(`${this.baseUrl}${path}`, {
        method: init.method ?? "GET",
        headers,
        ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
        ...(init.signal !== undefined ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (init.signal?.aborted === true) throw error;
      throw new WorkflowClientError(
        0,
        "NETWORK",
        `Could not reach ${this.baseUrl}${path}: ${error instanceof Error ? error.message : String(error)}`,
        undefined,
        { cause: error },
      );
    }
    if (!res.ok) throw await errorOf(res, `${init.method ?? "GET"} ${path}`);
    return res;
  }
}

async function errorOf(res: Response, what: string): Promise<WorkflowClientError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown; issues?: RemoteIssue[] };
    };
    const e = body.error;
    if (e !== undefined && typeof e.code === "string" && typeof e.message === "string") {
      return new WorkflowClientError(res.status, e.code, e.message, e.issues);
    }
  } catch {
    // Not the server's error JSON (a proxy's page, say): described below.
  }
  return new WorkflowClientError(
    res.status,
    `HTTP_${res.status}`,
    `${what} answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`,
  );
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => globalThis.setTimeout(resolve, ms));

/** A network failure worth reconnecting after (not an HTTP error the server answered). */
function retryable(error: unknown): boolean {
  return !(error instanceof WorkflowClientError) || error.code === "NETWORK";
}

/** The `RemoteHandler` of a run served over HTTP. */
class HttpRemoteHandler<Result> implements RemoteHandler<Result> {
  /** Set once the run is known to have settled. */
  settledState: RemoteRunState<Result> | undefined = undefined;
  #events$: Observable<RemoteEvent> | undefined;

  constructor(
    readonly client: WorkflowClient,
    readonly runId: string,
  ) {}

  get #path(): string {
    return `/runs/${encodeURIComponent(this.runId)}`;
  }

  async status(): Promise<RemoteRunState<Result>> {
    if (this.settledState !== undefined) return this.settledState;
    const state = (await this.client.request(this.#path)) as RemoteRunState<Result>;
    if (TERMINAL_STATUSES.has(state.status)) this.settledState = state;
    return state;
  }

  async result(): Promise<Result> {
    let state = this.settledState;
    for (let failures = 0; state === undefined;) {
      try {
        state = (await this.client.request(`${this.#path}?wait=true`)) as RemoteRunState<Result>;
        if (!TERMINAL_STATUSES.has(state.status)) state = undefined;
        else this.settledState = state;
      } catch (error) {
        if (!retryable(error) || ++failures > this.client.maxReconnects) throw error;
        await sleep(Math.min(5_000, 100 * 2 ** (failures - 1)));
      }
    }
    if (state.status === "completed") return state.result as Result;
    throw new RemoteRunError(
      this.runId,
      state.status as "failed" | "timed_out" | "cancelled",
      state.error?.code ?? state.status.toUpperCase(),
      state.error?.message ?? `Run ${this.runId} ended ${state.status}`,
    );
  }

  streamEvents(options: { readonly from?: number } = {}): AsyncIterable<RemoteEvent> {
    const from = options.from ?? 0;
    if (!(Number.isInteger(from) && from >= 0)) {
      throw new TypeError(
        `streamEvents({ from }): from must be an integer >= 0 (a seq); got ${String(from)}`,
      );
    }
    return { [Symbol.asyncIterator]: () => this.#stream(from) };
  }

  async *#stream(from: number): AsyncGenerator<RemoteEvent> {
    let next = from;
    let failures = 0;
    const abort = new AbortController();
    try {
      for (;;) {
        const ended = { value: false };
        try {
          const res = await this.client.fetchRaw(`${this.#path}/events`, {
            signal: abort.signal,
            headers: {
              Accept: "text/event-stream",
              ...(next > 0 ? { "Last-Event-ID": String(next - 1) } : {}),
            },
          });
          for await (const m of readSse(res.body!, ended)) {
            const seq = Number(m.id);
            // Never twice: after a reconnect the server starts after Last-Event-ID.
            if (!Number.isInteger(seq) || seq < next) continue;
            const json = JSON.parse(m.data) as EventJSON;
            next = seq + 1;
            failures = 0;
            yield { type: json.type, data: json.data, seq };
          }
        } catch (error) {
          if (!retryable(error) || ++failures > this.client.maxReconnects) throw error;
          await sleep(Math.min(5_000, 100 * 2 ** (failures - 1)));
          continue;
        }
        if (ended.value) return;
        // The body ended without the server's end mark: the connection was cut. Reconnect.
        if (++failures > this.client.maxReconnects) {
          throw new WorkflowClientError(
            0,
            "NETWORK",
            `The stream of run ${this.runId} kept breaking off (${failures - 1} reconnects)`,
          );
        }
        await sleep(Math.min(5_000, 100 * 2 ** (failures - 1)));
      }
    } finally {
      abort.abort();
    }
  }

  get events$(): Observable<RemoteEvent> {
    return (this.#events$ ??= new Observable<RemoteEvent>((subscriber) => {
      const iterator = this.#stream(0);
      void (async () => {
        try {
          for (;;) {
            const { value, done } = await iterator.next();
            if (done || subscriber.closed) break;
            subscriber.next(value);
          }
          subscriber.complete();
        } catch (error) {
          subscriber.error(error);
        }
      })();
      return () => void iterator.return(undefined);
    }));
  }

  async sendEvent(event: RemoteEventInput): Promise<void> {
    if (event === null || typeof event !== "object" || typeof event.type !== "string") {
      throw new TypeError('sendEvent(event): pass { type: "Approval", data: { ... } }');
    }
    await this.client.request(`${this.#path}/events`, {
      method: "POST",
      json: {
        type: event.type,
        data: event.data ?? {},
        ...(event.step !== undefined ? { step: event.step } : {}),
      },
    });
  }

  async cancel(): Promise<void> {
    await this.client.request(`${this.#path}/cancel`, { method: "POST" });
  }
}
