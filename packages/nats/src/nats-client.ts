// The caller's side: start runs on the work queue, follow their streams and state, send events
// and cancels to the worker that drives them. Hands out RemoteHandlers, as the HTTP client does.
import {
  type RemoteEvent,
  type RemoteEventInput,
  type RemoteHandler,
  RemoteRunError,
  type RemoteRunState,
} from "@eventloom/client";
import { WorkflowValidationError } from "@eventloom/core";
import { DeliverPolicy, PubHeaders, type StoredMsg } from "@nats-io/jetstream";
import {
  type NatsConnection,
  type MsgHdrs,
  RequestError,
  type Subscription,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import { Observable } from "rxjs";
import {
  type Broker,
  type StreamLimits,
  broker,
  checkConnection,
  checkLimits,
  isNotFound,
} from "./internal/broker.js";
import { checkKeys, positiveInteger } from "./internal/options.js";
import { type ReplyListener, Replies } from "./internal/replies.js";
import { injectTrace } from "./internal/trace-headers.js";
import {
  type Reply,
  type RunRequest,
  type RunStateRecord,
  REPLY_HEADER,
  SEQ_HEADER,
  STATE_HEADER,
  TERMINAL_HEADER,
  decode,
  encode,
} from "./internal/wire.js";
import { NatsError } from "./nats-errors.js";
import { isNameToken, natsNames } from "./nats-names.js";

/** Options of {@link natsClient}. */
export interface NatsClientOptions extends StreamLimits {
  /** The names' prefix (default "eventloom"): the same as the workers'. */
  readonly prefix?: string;
  /**
   * How long `sendEvent` and `cancel` wait for a worker to drive the run, in ms (default
   * 60 000): a queued run, or one between workers after a crash, has none for a while.
   */
  readonly timeoutMs?: number;
}

/** Options of one `client.run()`. */
export interface NatsRunOptions {
  /** The run's id (default a new UUID): letters, digits, "_" and "-"; new to the journal. */
  readonly runId?: string;
}

/** A client of the workers on one broker: see {@link natsClient}. */
export interface NatsClient {
  /**
   * Queues a run of the workflow served as `name` (durably: it resolves once the broker has
   * stored the request) and returns its handle. An unknown name is a NatsError
   * "UNKNOWN_WORKFLOW" that lists the known ones. The input is validated by the worker that
   * takes the run: input failing the start event's schema fails the run (`result()` rejects).
   */
  run<Result = unknown>(
    name: string,
    input?: Record<string, unknown>,
    options?: NatsRunOptions,
  ): Promise<RemoteHandler<Result>>;
  /** The handle of an existing run, by id (its calls reject with "RUN_NOT_FOUND" if there is none). */
  handle<Result = unknown>(runId: string): RemoteHandler<Result>;
  /** The workflow names some worker has served under this prefix. */
  workflows(): Promise<string[]>;
}

const CLIENT_KEYS = ["prefix", "timeoutMs", "maxAgeMs", "maxBytes"] as const;
const TERMINAL_TYPES = new Set([
  "StopEvent",
  "WorkflowFailedEvent",
  "WorkflowTimedOutEvent",
  "WorkflowCancelledEvent",
]);

/**
 * A client that starts and follows runs on the workers of `nc`'s broker. Its handles implement
 * `RemoteHandler` (@eventloom/client), so code written against the HTTP client works unchanged.
 *
 * @example
 * const client = natsClient(nc);
 * const run = await client.run("OrderWorkflow", { orderId: "o-1" });
 * for await (const ev of run.streamEvents()) console.log(ev.seq, ev.type);
 * console.log(await run.result());
 */
export function natsClient(nc: NatsConnection, options: NatsClientOptions = {}): NatsClient {
  const call = "natsClient(nc, options)";
  const conn = checkConnection(nc, "natsClient(nc)");
  if (options === null || typeof options !== "object")
    throw new WorkflowValidationError(`${call}: options must be an object`);
  checkKeys(call, options, CLIENT_KEYS);
  positiveInteger(call, "timeoutMs", options.timeoutMs);
  const b = broker(conn, natsNames(options.prefix), checkLimits(call, options));
  return new Client(b, options.timeoutMs ?? 60_000);
}

class Client implements NatsClient {
  readonly #b: Broker;
  readonly #timeoutMs: number;
  readonly #known = new Set<string>();
  readonly #replies: Replies;

  constructor(b: Broker, timeoutMs: number) {
    this.#b = b;
    this.#timeoutMs = timeoutMs;
    this.#replies = new Replies(b);
  }

  async workflows(): Promise<string[]> {
    await this.#b.ready();
    const jsm = await this.#b.manager();
    const marker = `${this.#b.names.prefix}_run_`;
    const out: string[] = [];
    try {
      for await (const info of jsm.consumers.list(this.#b.names.runsStream)) {
        if (info.name.startsWith(marker)) out.push(info.name.slice(marker.length));
      }
    } catch (error) {
      throw this.#b.unavailable("listing the workflows", error);
    }
    return out.sort();
  }

  async run<Result = unknown>(
    name: string,
    input: Record<string, unknown> = {},
    options: NatsRunOptions = {},
  ): Promise<RemoteHandler<Result>> {
    if (typeof name !== "string" || name === "") {
      throw new WorkflowValidationError(
        `client.run(name, input): name must be a workflow's name (a string); got ${typeof name}`,
      );
    }
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new WorkflowValidationError(
        `client.run(${JSON.stringify(name)}, input): input must be an object of start event fields; got ${input === null ? "null" : Array.isArray(input) ? "an array" : typeof input}`,
      );
    }
    checkKeys(`client.run(${JSON.stringify(name)}, input, options)`, options, ["runId"]);
    const runId = options.runId ?? crypto.randomUUID();
    if (!isNameToken(runId)) {
      throw new WorkflowValidationError(
        `client.run(): runId must be letters, digits, "_" and "-" (one subject token); got ${JSON.stringify(runId)}`,
      );
    }
    await this.#checkWorkflow(name);
    const { names } = this.#b;
    let body: Uint8Array;
    try {
      body = encode({ runId, workflow: name, input } satisfies RunRequest);
    } catch (error) {
      throw new WorkflowValidationError(
        `client.run(${JSON.stringify(name)}, input): input must be JSON (${String(error)})`,
        { cause: error },
      );
    }
    const state: RunStateRecord = { runId, workflow: name, status: "running" };
    const h = natsHeaders();
    injectTrace(h);
    h.set(REPLY_HEADER, this.#replies.subject);
    const handle = new NatsHandle<Result>(this.#b, runId, this.#timeoutMs, name);
    try {
      // Listening first: the worker answers on the client's reply subject (core NATS).
      this.#replies.listen(runId, handle.listener);
      // The state "running", for readers elsewhere, is stored only while the run has no state
      // yet, so it can never overwrite one that a fast worker published first. Sent without
      // waiting for the broker's answer: this handle knows its run is queued, and the run's
      // end state is stored by its worker whether or not this one was.
      const first = natsHeaders();
      first.set(PubHeaders.ExpectedLastSubjectSequenceHdr, "0");
      this.#b.nc.publish(names.state(runId), encode(state), { headers: first });
      const ack = await this.#b.store(names.runs(name), body, { headers: h, msgID: runId });
      // A request with this id was queued before (a chosen runId): its worker may have
      // answered another client, so this handle reads the stored state.
      if (ack.duplicate) this.#replies.giveUp(runId);
    } catch (error) {
      this.#replies.giveUp(runId);
      throw this.#b.unavailable(`queueing a run of ${name}`, error);
    }
    return handle;
  }

  handle<Result = unknown>(runId: string): RemoteHandler<Result> {
    if (!isNameToken(runId)) {
      throw new WorkflowValidationError(
        `client.handle(runId): a run id is letters, digits, "_" and "-"; got ${JSON.stringify(runId)}`,
      );
    }
    return new NatsHandle<Result>(this.#b, runId, this.#timeoutMs);
  }

  /** A workflow is known once some worker has created its consumer. */
  async #checkWorkflow(name: string): Promise<void> {
    if (this.#known.has(name)) return;
    await this.#b.ready();
    const jsm = await this.#b.manager();
    try {
      await jsm.consumers.info(this.#b.names.runsStream, this.#b.names.consumer(name));
      this.#known.add(name);
      return;
    } catch (error) {
      if (!isNotFound(error)) throw this.#b.unavailable(`looking up workflow ${name}`, error);
    }
    const known = await this.workflows();
    throw new NatsError(
      "UNKNOWN_WORKFLOW",
      `No worker serves a workflow named ${JSON.stringify(name)} under prefix "${this.#b.names.prefix}"; known: ${known.length > 0 ? known.join(", ") : "none (start a worker: natsWorker(nc, { workflows: [new MyWorkflow({ journal })] }))"}. A workflow's name is its static workflowName, else its class name, unless the worker names it.`,
    );
  }
}

class NatsHandle<Result> implements RemoteHandler<Result> {
  readonly runId: string;
  readonly #b: Broker;
  readonly #timeoutMs: number;
  /** The workflow, for a run this client queued: it exists even while no state is stored. */
  readonly #queuedAs: string | undefined;
  /** The end state, once its worker's reply has come. */
  #ended: RunStateRecord | undefined;
  /** Whether the end state comes as a reply, or is to be read from the broker. */
  #follow: "reply" | "stored";
  #wake: (() => void) | undefined;
  #result: Promise<Result> | undefined;

  constructor(b: Broker, runId: string, timeoutMs: number, queuedAs?: string) {
    this.#b = b;
    this.runId = runId;
    this.#timeoutMs = timeoutMs;
    this.#queuedAs = queuedAs;
    this.#follow = queuedAs === undefined ? "stored" : "reply";
  }

  /** What the client's reply subscription tells this run. */
  get listener(): ReplyListener {
    return {
      settled: (state) => {
        this.#ended = state;
        this.#wake?.();
      },
      unsure: () => {
        this.#follow = "stored";
        this.#wake?.();
      },
    };
  }

  result(): Promise<Result> {
    this.#result ??= this.#endState().then((state) => {
      if (state.status === "completed") return state.result as Result;
      const status = state.status as "failed" | "timed_out" | "cancelled";
      const error = state.error ?? { code: "UNKNOWN", message: status };
      throw new RemoteRunError(
        state.runId,
        status,
        error.code,
        `Run ${state.runId} of ${state.workflow} ${status.replace("_", " ")}: ${error.message}`,
      );
    });
    return this.#result;
  }

  async status(): Promise<RemoteRunState<Result>> {
    if (this.#ended !== undefined) return { ...this.#ended } as RemoteRunState<Result>;
    return (await this.#stateOrQueued()) as RemoteRunState<Result>;
  }

  get events$(): Observable<RemoteEvent> {
    return new Observable<RemoteEvent>((subscriber) => {
      const iterator = this.streamEvents()[Symbol.asyncIterator]();
      let closed = false;
      void (async () => {
        try {
          for (;;) {
            const next = await iterator.next();
            if (closed) return;
            if (next.done === true) break;
            subscriber.next(next.value);
          }
          subscriber.complete();
        } catch (error) {
          if (!closed) subscriber.error(error);
        }
      })();
      return () => {
        closed = true;
        void iterator.return?.();
      };
    });
  }

  async *streamEvents(options?: { readonly from?: number }): AsyncIterableIterator<RemoteEvent> {
    const from = options?.from ?? 0;
    if (!(Number.isSafeInteger(from) && from >= 0)) {
      throw new WorkflowValidationError(
        `streamEvents({ from }): from must be an integer >= 0 (the seq of the first event); got ${JSON.stringify(from)}`,
      );
    }
    if (this.#queuedAs === undefined && this.#ended === undefined) await this.#stateOrQueued();
    const { js, names } = this.#b;
    let messages;
    try {
      const consumer = await js.consumers.get(names.outStream, {
        filter_subjects: names.out(this.runId),
        deliver_policy: DeliverPolicy.All,
      });
      messages = await consumer.consume();
    } catch (error) {
      throw this.#b.unavailable(`reading the stream of run ${this.runId}`, error);
    }
    let next = from;
    try {
      for await (const m of messages) {
        const seq = Number(m.headers?.get(SEQ_HEADER));
        // A worker that took the run over may publish an event again: each seq goes out once.
        if (!Number.isSafeInteger(seq) || seq < next) continue;
        const json = decode(m.data) as { type: string; data: Record<string, unknown> };
        next = seq + 1;
        yield { type: json.type, data: json.data, seq };
        if (m.headers?.get(TERMINAL_HEADER) === "1" || TERMINAL_TYPES.has(json.type)) return;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  }

  async sendEvent(event: RemoteEventInput): Promise<void> {
    if (event === null || typeof event !== "object" || typeof event.type !== "string") {
      throw new WorkflowValidationError(
        `sendEvent(event): event must be { type, data?, step? } with the event's type name; got ${JSON.stringify(event)}`,
      );
    }
    checkKeys("sendEvent(event)", event, ["type", "data", "step"]);
    const body = encode({
      type: event.type,
      data: event.data ?? {},
      ...(event.step === undefined ? {} : { step: event.step }),
    });
    const answer = await this.#toOwner(this.#b.names.in(this.runId), body, `event ${event.type}`);
    if (answer === "ended" || ("error" in answer && answer.error.code === "RUN_ENDED")) {
      throw new NatsError(
        "RUN_ENDED",
        `Run ${this.runId} has ended (${(await this.#state())?.status ?? "gone"}); it takes no more events`,
      );
    }
    if ("error" in answer) {
      const { code, message } = answer.error;
      throw new NatsError(
        code === "RUN_ENDED" ? "RUN_ENDED" : "EVENT_REJECTED",
        `Run ${this.runId} refused event ${event.type}: ${message} (${code})`,
      );
    }
  }

  async cancel(): Promise<void> {
    await this.#toOwner(this.#b.names.cancel(this.runId), encode({}), "cancel");
  }

  /**
   * A request to the worker that drives the run. While no worker does (queued, or between
   * workers), it asks again until `timeoutMs`; "ended" once the run has settled.
   */
  async #toOwner(subject: string, body: Uint8Array, what: string): Promise<Reply | "ended"> {
    const deadline = Date.now() + this.#timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const m = await this.#b.nc.request(subject, body, {
          timeout: Math.min(10_000, this.#timeoutMs),
        });
        const answer = decode(m.data) as Reply;
        // Its worker is closing and hands the run on: ask again, the next owner answers.
        if (!("error" in answer && answer.error.code === "HANDING_BACK")) return answer;
      } catch (error) {
        if (!(error instanceof RequestError && error.isNoResponders())) {
          throw new NatsError(
            "UNAVAILABLE",
            `Run ${this.runId}: ${what} got no answer from its worker via NATS at ${this.#b.nc.getServer()} (${error instanceof Error ? error.message : String(error)}); it may or may not have been journaled: check status()`,
            { cause: error },
          );
        }
      }
      const state = await this.#stateOrQueued();
      if (state.status !== "running") return "ended";
      if (Date.now() >= deadline) {
        throw new NatsError(
          "TIMEOUT",
          `Run ${this.runId}: no worker took ${what} within ${this.#timeoutMs} ms (the run is queued or between workers); start more workers or raise natsClient's timeoutMs`,
        );
      }
      await new Promise((r) => globalThis.setTimeout(r, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }

  /** The run's end state: its worker's reply, else read from the broker. */
  #endState(): Promise<RunStateRecord> {
    if (this.#ended !== undefined) return Promise.resolve(this.#ended);
    if (this.#follow === "stored") return this.#settled();
    return new Promise<RunStateRecord>((resolve) => {
      this.#wake = () => {
        this.#wake = undefined;
        resolve(this.#ended ?? this.#settled());
      };
    });
  }

  /** The newest state; "running" for a run this client queued that has none stored yet. */
  async #stateOrQueued(): Promise<RunStateRecord> {
    const state = await this.#state();
    if (state !== null) return state;
    if (this.#queuedAs === undefined) throw this.#notFound();
    return { runId: this.runId, workflow: this.#queuedAs, status: "running" };
  }

  /**
   * The newest state of the run, or null when there is none: the end state on its terminal
   * stream event, else the record of the state stream ("running", stored when it was queued).
   */
  async #state(): Promise<RunStateRecord | null> {
    const { names } = this.#b;
    const last = await this.#last(names.outStream, names.out(this.runId), "stream");
    const ended = endStateOf(last?.header);
    if (ended !== undefined) return ended;
    const stored = await this.#last(names.stateStream, names.state(this.runId), "state");
    return stored === null ? null : (stored.json() as RunStateRecord);
  }

  async #last(stream: string, subject: string, what: string): Promise<StoredMsg | null> {
    await this.#b.ready();
    const jsm = await this.#b.manager();
    try {
      return await jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (error) {
      if (isNotFound(error) || /no message found/i.test(String(error))) return null;
      throw this.#b.unavailable(`reading the ${what} of run ${this.runId}`, error);
    }
  }

  /**
   * Waits for the run's end state: a core subscription on the run's stream subject (its
   * terminal event carries the end state), then a read of its newest state (so one published in
   * between is not missed), read again after a reconnect. No JetStream consumer per run.
   */
  async #settled(): Promise<RunStateRecord> {
    await this.#b.ready();
    const { nc, names } = this.#b;
    return new Promise<RunStateRecord>((resolve, reject) => {
      let done = false;
      let sub: Subscription | undefined;
      let stopWatching = () => {};
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        sub?.unsubscribe();
        stopWatching();
        settle();
      };
      const check = () =>
        this.#state().then(
          (state) => {
            // A run this client queued exists before anything about it is stored.
            if (state === null && this.#queuedAs === undefined)
              finish(() => reject(this.#notFound()));
            else if (state !== null && state.status !== "running") finish(() => resolve(state));
          },
          (error: unknown) => finish(() => reject(error)),
        );
      try {
        sub = nc.subscribe(names.out(this.runId), {
          callback: (error, m) => {
            if (error !== null) {
              finish(() =>
                reject(this.#b.unavailable(`following the state of run ${this.runId}`, error)),
              );
              return;
            }
            const ended = endStateOf(m.headers);
            if (ended !== undefined) finish(() => resolve(ended));
            // A terminal event without the end state (a worker of an earlier version, which
            // stores it on the state stream): read it there.
            else if (m.headers?.get(TERMINAL_HEADER) === "1") void check();
          },
        });
      } catch (error) {
        finish(() =>
          reject(this.#b.unavailable(`following the state of run ${this.runId}`, error)),
        );
        return;
      }
      stopWatching = this.#b.onReconnect(() => void check());
      void check();
    });
  }

  #notFound(): NatsError {
    return new NatsError(
      "RUN_NOT_FOUND",
      `There is no run ${this.runId} under prefix "${this.#b.names.prefix}": check the id (and that client and workers use the same prefix)`,
    );
  }
}

/** The end state a terminal stream event carries (header Eventloom-State), if any. */
function endStateOf(headers: MsgHdrs | undefined): RunStateRecord | undefined {
  const text = headers?.get(STATE_HEADER);
  if (text === undefined || text === "") return undefined;
  try {
    const state = JSON.parse(text) as RunStateRecord;
    return typeof state?.status === "string" ? state : undefined;
  } catch {
    return undefined;
  }
}
