// A worker process's side: pull run requests from the work queue, drive each run from the shared
// journal, publish its stream and state, answer events and cancels sent into it.
import {
  type Event,
  type EventClass,
  type Journal,
  JournalError,
  RunNotFoundError,
  RunOwnedError,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowHandler,
  WorkflowRuntimeError,
  WorkflowValidationError,
  describeWorkflow,
  eventTypeName,
  isEventClass,
} from "@eventloom/core";
import { AckPolicy, type Consumer, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import {
  type Msg,
  type NatsConnection,
  type Subscription,
  headers as natsHeaders,
  nanos,
} from "@nats-io/transport-node";
import { type Context as OtelContext, context as otelContext } from "@opentelemetry/api";
import {
  type Broker,
  type StreamLimits,
  broker,
  checkConnection,
  checkLimits,
  isNotFound,
} from "./internal/broker.js";
import { checkKeys, positiveInteger } from "./internal/options.js";
import { extractTrace } from "./internal/trace-headers.js";
import {
  type EventRequest,
  type Reply,
  type RunRequest,
  type RunStateRecord,
  REPLY_HEADER,
  SEQ_HEADER,
  STATE_HEADER,
  TERMINAL_HEADER,
  decode,
  encode,
  errorJSON,
} from "./internal/wire.js";
import { releaseVeto, vetoClaims } from "./internal/claim-vetoes.js";
import { Slots } from "./internal/slots.js";
import { isNameToken, natsNames } from "./nats-names.js";

/** Options of {@link natsWorker}. */
export interface NatsWorkerOptions extends StreamLimits {
  /**
   * The workflows this worker runs, each with a journal shared by all workers (e.g.
   * `postgresJournal()`). An array serves each under its workflow name (`static workflowName`,
   * else the class name); an object serves each under its key.
   */
  readonly workflows: readonly Workflow[] | Readonly<Record<string, Workflow>>;
  /** The most runs live in this worker at once (default 100). */
  readonly concurrency?: number;
  /** The names' prefix (default "eventloom"); workers and clients that share work share it. */
  readonly prefix?: string;
  /**
   * How long the broker waits for a sign of life from the worker driving a run before it hands
   * the run to another worker, in ms (default 30 000). The worker signals every third of it.
   * Used when the worker creates a workflow's consumer (the first worker to do so sets it).
   */
  readonly ackWaitMs?: number;
  /**
   * How many times a run request may be delivered (default 10): a run whose worker dies that
   * often (a poison run) is cancelled with a clear error instead of being handed on forever.
   * Hand-backs by `close()` count too.
   */
  readonly maxDeliveries?: number;
  /** Where errors that belong to no caller go (a broken request, a lost publish); default console.error. */
  readonly onError?: (error: unknown) => void;
}

/** A running worker: see {@link natsWorker}. */
export interface NatsWorker {
  /** The workflow names it serves (the subjects `<prefix>.runs.<name>`). */
  readonly workflows: readonly string[];
  /** How many runs it drives now. */
  readonly active: number;
  /**
   * Drains: takes no new runs, hands every live run back to the broker (they resume on another
   * worker, from the journal), and resolves once all of them have stopped here. The connection
   * stays open (it is the caller's).
   */
  close(): Promise<void>;
}

const WORKER_KEYS = [
  "workflows",
  "concurrency",
  "prefix",
  "ackWaitMs",
  "maxDeliveries",
  "maxAgeMs",
  "maxBytes",
  "onError",
] as const;

/** A workflow as the worker serves it. */
interface Served {
  readonly name: string;
  readonly wf: Workflow;
  readonly journal: Journal;
  /** The event types it takes from outside, by type name. */
  readonly accepts: ReadonlyMap<string, EventClass>;
}

/** A run request this worker holds. */
interface Held {
  readonly served: Served;
  readonly msg: JsMsg;
  readonly runId: string;
  handler: WorkflowHandler | undefined;
  handingBack: boolean;
  subscriptions: Subscription[];
  /** Subscribes to the run's events and cancels (once); see LISTEN_AFTER_MS. */
  listen: (() => void) | undefined;
  /** When this worker took the run, and last signalled progress on it (Date.now()). */
  readonly heldAt: number;
  beatAt: number;
  /** Resolves once core has detached the run here (a handler with `detach()`), see #handBack. */
  detached: Promise<void>;
  detach: () => void;
}

/**
 * How long a run lives on a worker before the worker subscribes to its events and cancels,
 * unless it publishes a stream event first (a client that answers what it reads finds the
 * subscription there). Most short runs end before: two subscriptions and their drains were
 * the largest part of a one-step run's cost on the broker. A request sent before gets "no
 * responders", and the client asks again, as it does while the run is queued.
 */
const LISTEN_AFTER_MS = 100;

/** How often the worker looks over its runs: progress signals and subscriptions due. */
const TICK_MS = 50;

/** The reply of a worker handing the run back: the client asks again (the next owner). */
const HANDING_BACK = "HANDING_BACK";

/**
 * Starts a worker on `nc`: it pulls run requests of its workflows from the JetStream work queue
 * (at most `concurrency` live runs), drives each run on the workflow's journal, and acks the
 * request once the run has settled, signalling progress meanwhile. A worker that dies stops
 * signalling; after `ackWaitMs` the request goes to another worker, which resumes the run from
 * the journal (no journaled step runs again). Streams and consumers are created on first use.
 *
 * @example
 * const nc = await connect({ servers: "127.0.0.1:4222" });
 * const journal = postgresJournal({ connectionString: process.env.DATABASE_URL });
 * const worker = await natsWorker(nc, { workflows: [new OrderWorkflow({ journal })], concurrency: 200 });
 * process.on("SIGTERM", () => void worker.close().then(() => nc.drain()));
 */
export async function natsWorker(
  nc: NatsConnection,
  options: NatsWorkerOptions,
): Promise<NatsWorker> {
  const call = "natsWorker(nc, options)";
  const conn = checkConnection(nc, "natsWorker(nc, options)");
  if (options === null || typeof options !== "object")
    throw new WorkflowValidationError(`${call}: options must be an object ({ workflows, ... })`);
  checkKeys(call, options, WORKER_KEYS);
  positiveInteger(call, "concurrency", options.concurrency);
  positiveInteger(call, "maxDeliveries", options.maxDeliveries);
  positiveInteger(call, "ackWaitMs", options.ackWaitMs, 300);
  if (options.onError !== undefined && typeof options.onError !== "function")
    throw new WorkflowValidationError(`${call}: onError must be a function (error) => void`);
  const served = servedWorkflows(call, options.workflows);
  const names = natsNames(options.prefix);
  const b = broker(conn, names, checkLimits(call, options));
  const worker = new Worker(b, served, {
    concurrency: options.concurrency ?? 100,
    ackWaitMs: options.ackWaitMs ?? 30_000,
    maxDeliveries: options.maxDeliveries ?? 10,
    onError: options.onError ?? ((error) => console.error("[@eventloom/nats]", error)),
  });
  await worker.start();
  return worker;
}

function servedWorkflows(call: string, workflows: NatsWorkerOptions["workflows"]): Served[] {
  const list: [string, unknown][] = Array.isArray(workflows)
    ? (workflows as unknown[]).map((wf) => [
        wf instanceof Workflow ? wf.workflowName : String(wf),
        wf,
      ])
    : workflows !== null && typeof workflows === "object"
      ? Object.entries(workflows)
      : [];
  if (list.length === 0) {
    throw new WorkflowValidationError(
      `${call}: workflows must list at least one workflow instance: { workflows: [new OrderWorkflow({ journal })] } or { workflows: { order: new OrderWorkflow({ journal }) } }`,
    );
  }
  const seen = new Set<string>();
  return list.map(([name, wf]) => {
    if (!(wf instanceof Workflow)) {
      throw new WorkflowValidationError(
        `${call}: workflows[${JSON.stringify(name)}] is not a Workflow instance: pass new MyWorkflow({ journal }), not the class`,
      );
    }
    if (!isNameToken(name)) {
      throw new WorkflowValidationError(
        `${call}: the workflow name ${JSON.stringify(name)} cannot be a subject token (letters, digits, "_" and "-" only): serve it under another name, { workflows: { order: workflow } }`,
      );
    }
    if (seen.has(name))
      throw new WorkflowValidationError(`${call}: two workflows are served as ${name}`);
    seen.add(name);
    const journal = wf.options.journal;
    if (journal === undefined) {
      throw new WorkflowValidationError(
        `${call}: ${name} has no journal; a run that moves between workers resumes from a journal they share: new ${wf.constructor.name}({ journal: postgresJournal({ connectionString }) }) from @eventloom/postgres`,
      );
    }
    return { name, wf, journal, accepts: acceptedFromOutside(wf) };
  });
}

/**
 * The classes some step accepts and `static externalEvents`, never a start or stop event: core's
 * `workflow.externalEventTypes()` where it has one, else the same rule computed here.
 */
function acceptedFromOutside(wf: Workflow): Map<string, EventClass> {
  const out = new Map<string, EventClass>();
  const add = (cls: EventClass) => {
    if (cls === StartEvent || cls.prototype instanceof StartEvent) return;
    if (cls === StopEvent || cls.prototype instanceof StopEvent) return;
    out.set(eventTypeName(cls), cls);
  };
  const fromCore = (wf as { externalEventTypes?: () => readonly EventClass[] }).externalEventTypes;
  if (typeof fromCore === "function") {
    fromCore.call(wf).forEach(add);
    return out;
  }
  for (const s of describeWorkflow(wf).steps) s.accepts.forEach(add);
  const external = (wf.constructor as { externalEvents?: unknown }).externalEvents;
  if (Array.isArray(external)) for (const cls of external) if (isEventClass(cls)) add(cls);
  return out;
}

interface Settings {
  readonly concurrency: number;
  readonly ackWaitMs: number;
  readonly maxDeliveries: number;
  readonly onError: (error: unknown) => void;
}

class Worker implements NatsWorker {
  readonly workflows: readonly string[];
  readonly #b: Broker;
  readonly #served: readonly Served[];
  readonly #settings: Settings;
  readonly #slots: Slots;
  readonly #held = new Set<Held>();
  readonly #done = new Map<Held, Promise<void>>();
  readonly #fetches = new Set<ConsumerMessages>();
  readonly #timers = new Set<() => void>();
  #ticker: ReturnType<typeof globalThis.setInterval> | undefined;
  #loops: Promise<void>[] = [];
  #closing = false;
  #closed: Promise<void> | undefined;

  constructor(b: Broker, served: readonly Served[], settings: Settings) {
    this.#b = b;
    this.#served = served;
    this.#settings = settings;
    this.#slots = new Slots(settings.concurrency);
    this.workflows = served.map((s) => s.name);
  }

  get active(): number {
    return this.#held.size;
  }

  async start(): Promise<void> {
    await this.#b.ready();
    const jsm = await this.#b.manager();
    const { names } = this.#b;
    for (const s of this.#served) {
      const durable = names.consumer(s.name);
      try {
        await jsm.consumers.info(names.runsStream, durable);
      } catch (error) {
        if (!isNotFound(error)) throw this.#b.unavailable(`reading consumer ${durable}`, error);
        await jsm.consumers
          .add(names.runsStream, {
            durable_name: durable,
            filter_subject: names.runs(s.name),
            ack_policy: AckPolicy.Explicit,
            ack_wait: nanos(this.#settings.ackWaitMs),
            // Redeliveries are bounded by the worker (maxDeliveries), which can then say why.
            max_deliver: -1,
            max_ack_pending: -1,
          })
          .catch(async (addError: unknown) => {
            // Created by another worker in the meantime.
            await jsm.consumers.info(names.runsStream, durable).catch(() => {
              throw this.#b.unavailable(`creating consumer ${durable}`, addError);
            });
          });
      }
    }
    this.#loops = this.#served.map((s) => this.#pull(s));
  }

  close(): Promise<void> {
    this.#closed ??= this.#drain();
    return this.#closed;
  }

  async #drain(): Promise<void> {
    this.#closing = true;
    this.#slots.wake();
    for (const stop of this.#timers) stop();
    await Promise.all([...this.#fetches].map((f) => f.close().catch(() => undefined)));
    await Promise.all(this.#loops);
    for (const held of this.#held) this.#handBack(held);
    await Promise.all(this.#done.values());
  }

  /** Waits `ms`, or less if the worker closes meanwhile. */
  #pause(ms: number): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = () => {
        globalThis.clearTimeout(timer);
        this.#timers.delete(stop);
        resolve();
      };
      const timer = globalThis.setTimeout(stop, ms);
      this.#timers.add(stop);
    });
  }

  /** Pulls requests of one workflow while slots are free. */
  async #pull(s: Served): Promise<void> {
    const { names } = this.#b;
    const share = Math.max(1, Math.floor(this.#settings.concurrency / this.#served.length));
    // Looked up once (a round trip), again only after a pull failed.
    let consumer: Consumer | undefined;
    while (!this.#closing) {
      await this.#slots.whenFree();
      if (this.#closing) break;
      const reserved = this.#slots.take(Math.min(share, 256));
      if (reserved === 0) continue;
      let used = 0;
      try {
        consumer ??= await this.#b.js.consumers.get(names.runsStream, names.consumer(s.name));
        const batch = await consumer.fetch({ max_messages: reserved, expires: 5_000 });
        this.#fetches.add(batch);
        try {
          for await (const msg of batch) {
            used++;
            if (this.#closing) {
              msg.nak();
              this.#slots.give(1);
              continue;
            }
            this.#hold(s, msg);
          }
        } finally {
          this.#fetches.delete(batch);
        }
      } catch (error) {
        consumer = undefined;
        if (this.#closing) break;
        this.#settings.onError(this.#b.unavailable(`pulling runs of ${s.name}`, error));
        await this.#pause(1_000);
      } finally {
        this.#slots.give(reserved - used);
      }
    }
  }

  #hold(s: Served, msg: JsMsg): void {
    let request: RunRequest;
    try {
      request = parseRequest(msg);
    } catch (error) {
      this.#settings.onError(error);
      msg.term();
      this.#slots.give(1);
      return;
    }
    let detach!: () => void;
    const detached = new Promise<void>((resolve) => (detach = resolve));
    const held: Held = {
      served: s,
      msg,
      runId: request.runId,
      handler: undefined,
      handingBack: false,
      subscriptions: [],
      listen: undefined,
      heldAt: Date.now(),
      beatAt: Date.now(),
      detached,
      detach,
    };
    this.#held.add(held);
    this.#ticker ??= globalThis.setInterval(() => this.#tick(), TICK_MS);
    const done = this.#serve(held, request)
      .catch((error: unknown) => {
        // Something on the way failed (the broker, the journal): the run must not go on here
        // unseen, so it stops and goes back to the queue.
        this.#settings.onError(error);
        this.#handBack(held);
        msg.nak(1_000);
      })
      .finally(() => {
        held.listen = undefined;
        // Drained, not dropped: an event or cancel already on its way here is still answered
        // ("the run has ended") rather than left to time out.
        for (const sub of held.subscriptions) void sub.drain().catch(() => undefined);
        this.#held.delete(held);
        this.#done.delete(held);
        this.#slots.give(1);
        if (this.#held.size === 0) {
          globalThis.clearInterval(this.#ticker);
          this.#ticker = undefined;
        }
      });
    this.#done.set(held, done);
  }

  /**
   * One timer for all runs, not two per run: each run signals progress every third of
   * `ackWaitMs`, and subscribes to its events and cancels once it has lived LISTEN_AFTER_MS.
   */
  #tick(): void {
    const now = Date.now();
    const beatMs = Math.max(100, Math.floor(this.#settings.ackWaitMs / 3));
    for (const held of this.#held) {
      if (held.listen !== undefined && now - held.heldAt >= LISTEN_AFTER_MS) held.listen();
      if (now - held.beatAt < beatMs) continue;
      held.beatAt = now;
      try {
        held.msg.working();
      } catch (error) {
        this.#settings.onError(
          this.#b.unavailable(`signalling progress on run ${held.runId}`, error),
        );
      }
    }
  }

  async #serve(held: Held, request: RunRequest): Promise<void> {
    const { served, msg, runId } = held;
    const parent = extractTrace(msg.headers);
    const deliveries = msg.info.deliveryCount;
    const opened = await this.#open(held, request, parent);
    if (opened.kind === "closing") return void msg.nak();
    if (opened.kind === "rejected") {
      // The run never started (its input failed the start event's schema): say so, then drop it.
      const error = errorJSON(opened.error);
      const failed = {
        type: "WorkflowFailedEvent",
        data: {
          step: "",
          error: { name: opened.error.name, message: opened.error.message },
          attempts: 0,
        },
      };
      await this.#settle(held, 0, failed, {
        runId,
        workflow: served.name,
        status: "failed",
        error,
      });
      return void msg.ack();
    }
    const handler = opened.handler;
    held.handler = handler;
    let poisoned: { code: string; message: string } | undefined;
    if (deliveries > this.#settings.maxDeliveries && !handler.isDone()) {
      const error = new WorkflowRuntimeError(
        `Run ${runId} of ${served.name} was delivered ${deliveries} times without settling (its worker crashed, was killed or stopped signalling each time); given up after maxDeliveries ${this.#settings.maxDeliveries}. Find what stops the worker in this run, then start the run again.`,
      );
      poisoned = { code: "REDELIVERY_LIMIT", message: error.message };
      void handler.cancel(error);
    }
    held.listen = () => {
      held.listen = undefined;
      if (!held.handingBack) this.#listen(held, handler);
    };
    // A run started here is streamed live from its first event (attached before anything is
    // written); a resumed one from the first event not yet on the broker, read back from the journal.
    const from = opened.fresh ? undefined : await this.#nextSeq(runId);
    const pumped = this.#pump(held, handler, from);
    const outcome = await Promise.race([
      handler.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      held.detached.then(() => ({ ok: false as const, error: undefined })),
    ]);
    // Detached by core: the run is no longer driven here, nor is its stream read.
    if (held.handingBack && !handler.isDone()) return void msg.nak(0);
    const pumpedTo = await pumped;
    if (held.handingBack || (!outcome.ok && lostHere(outcome.error))) {
      // Not settled in the journal: it goes back to the queue and resumes on some worker.
      if (!held.handingBack && !outcome.ok) this.#settings.onError(outcome.error);
      return void msg.nak(held.handingBack ? 0 : 1_000);
    }
    const status = handler.status;
    const state: RunStateRecord = outcome.ok
      ? { runId, workflow: served.name, status: "completed", result: resultJSON(outcome.value) }
      : {
          runId,
          workflow: served.name,
          status: status === "running" ? "failed" : status,
          error: poisoned ?? errorJSON(outcome.error),
        };
    const terminal = pumpedTo.terminal ?? { seq: pumpedTo.next, json: terminalJSON(state) };
    await this.#settle(held, terminal.seq, terminal.json, state);
    msg.ack();
  }

  /**
   * Publishes the run's terminal stream event, carrying its end state, and waits until the
   * broker has stored it (the request is acked after): that is where every later reader finds
   * the end state. Then it goes to the client that queued the run, on the client's reply
   * subject (core NATS, no answer awaited): a client that misses it reads the stored one.
   */
  async #settle(
    held: Held,
    seq: number,
    json: { type: string; data: unknown },
    state: RunStateRecord,
  ): Promise<void> {
    const body = JSON.stringify(state);
    await this.#publishEvent(held.runId, seq, json, body);
    const { nc, names } = this.#b;
    try {
      const replyTo = held.msg.headers?.get(REPLY_HEADER);
      if (replyTo !== undefined && replyTo.startsWith(`${names.prefix}.reply.`))
        nc.publish(replyTo, body);
    } catch (error) {
      // The connection closed: the stored terminal event says it all.
      this.#settings.onError(this.#b.unavailable(`replying the end of run ${held.runId}`, error));
    }
  }

  /** Starts the run (first delivery) or resumes it from the journal (waiting out a live claim). */
  async #open(
    held: Held,
    request: RunRequest,
    parent: OtelContext,
  ): Promise<
    | { kind: "handler"; handler: WorkflowHandler; fresh: boolean }
    | { kind: "rejected"; error: Error }
    | { kind: "closing" }
  > {
    const { wf } = held.served;
    const start = ():
      | { kind: "handler"; handler: WorkflowHandler; fresh: boolean }
      | { kind: "rejected"; error: Error } => {
      try {
        const handler = otelContext.with(parent, () =>
          wf.run(request.input, { runId: request.runId }),
        );
        return { kind: "handler", handler, fresh: true };
      } catch (error) {
        return {
          kind: "rejected",
          error: error instanceof Error ? error : new Error(String(error)),
        };
      }
    };
    if (held.msg.info.deliveryCount === 1) return start();
    const retryMs = Math.min(1_000, Math.max(100, Math.floor(this.#settings.ackWaitMs / 3)));
    for (;;) {
      if (this.#closing || held.handingBack) return { kind: "closing" };
      const handler = otelContext.with(parent, () => wf.resume(request.runId));
      await handler.whenLoaded();
      if (!handler.isDone()) return { kind: "handler", handler, fresh: false };
      const error = await handler.then(
        () => undefined,
        (e: unknown) => e,
      );
      if (error instanceof RunNotFoundError) return start();
      if (!(error instanceof RunOwnedError)) return { kind: "handler", handler, fresh: false };
      // Its last owner's claim has not expired yet (it died moments ago, or still runs it).
      await this.#pause(retryMs);
    }
  }

  /** Events and cancels sent into the run, answered once journaled (or refused, with why). */
  #listen(held: Held, handler: WorkflowHandler): void {
    const { nc, names } = this.#b;
    try {
      held.subscriptions.push(
        nc.subscribe(names.in(held.runId), {
          callback: (_err, m) => void this.#onEvent(held, handler, m),
        }),
        nc.subscribe(names.cancel(held.runId), {
          callback: (_err, m) => {
            if (held.handingBack) return reply(m, handingBack(held));
            if (!handler.isDone()) void handler.cancel();
            reply(m, { ok: true });
          },
        }),
      );
    } catch (error) {
      // The connection closed: the run cannot be reached here, nor settle (its state cannot go
      // out); the broker hands it on once this worker stops signalling.
      this.#settings.onError(this.#b.unavailable(`listening to run ${held.runId}`, error));
    }
  }

  async #onEvent(held: Held, handler: WorkflowHandler, m: Msg): Promise<void> {
    const { served, runId } = held;
    if (held.handingBack) return reply(m, handingBack(held));
    let answer: Reply;
    try {
      const request = decode(m.data) as EventRequest;
      if (request === null || typeof request !== "object" || typeof request.type !== "string") {
        throw new EventRefused("BAD_REQUEST", "an event is { type, data?, step? }");
      }
      const cls = served.accepts.get(request.type);
      if (cls === undefined) {
        throw new EventRefused(
          "EVENT_NOT_ACCEPTED",
          `${served.name} does not accept events of type ${JSON.stringify(request.type)} from outside; it accepts: ${[...served.accepts.keys()].join(", ") || "none"} (list waited-for events in static externalEvents)`,
        );
      }
      if (handler.isDone()) throw new EventRefused("RUN_ENDED", `run ${runId} has ended`);
      const event: Event = served.wf.reviveEvent({ type: request.type, data: request.data ?? {} });
      await served.wf.sendEvent(
        runId,
        event,
        request.step === undefined ? undefined : { step: request.step },
      );
      answer = { ok: true };
    } catch (error) {
      answer = { error: errorJSON(error) };
    }
    reply(m, answer);
  }

  /**
   * Publishes the run's stream from `from` on, in order, until it ends or leaves this worker.
   * Resolves with the next seq and the terminal event once it is reached (not published: the
   * caller does, with the end state); a stream that cannot be read back (reported to onError)
   * stops there, and the caller publishes a stand-in terminal event.
   */
  async #pump(
    held: Held,
    handler: WorkflowHandler,
    from: number | undefined,
  ): Promise<{
    next: number;
    terminal: { seq: number; json: { type: string; data: unknown } } | undefined;
  }> {
    let seq = from ?? 0;
    let outcomeKnown = false;
    try {
      const events = from === undefined ? handler.streamEvents() : handler.streamEvents({ from });
      for await (const ev of events) {
        if (held.handingBack) break;
        if (!outcomeKnown && handler.isDone()) {
          outcomeKnown = true;
          const error = await handler.then(
            () => undefined,
            (e: unknown) => e,
          );
          // Events written when the journal gave up were never journaled: the next owner
          // publishes the run's stream from the journal instead.
          if (lostHere(error)) break;
        }
        // Published by the caller, with the run's end state.
        if (ev instanceof StopEvent) return { next: seq + 1, terminal: { seq, json: ev.toJSON() } };
        held.listen?.(); // whoever reads this event may answer it at once
        await this.#publishEvent(held.runId, seq, ev.toJSON());
        seq++;
      }
    } catch (error) {
      this.#settings.onError(
        new WorkflowRuntimeError(
          `Run ${held.runId} of ${held.served.name}: its stream could not be published from event ${seq} on (${error instanceof Error ? error.message : String(error)})`,
          { cause: error },
        ),
      );
    }
    return { next: seq, terminal: undefined };
  }

  /** Publishes one stream event; `state`, the run's end state, makes it the terminal one. */
  async #publishEvent(
    runId: string,
    seq: number,
    json: { type: string; data: unknown },
    state?: string,
  ): Promise<void> {
    const h = natsHeaders();
    h.set(SEQ_HEADER, String(seq));
    if (state !== undefined) {
      h.set(TERMINAL_HEADER, "1");
      h.set(STATE_HEADER, state);
    }
    await this.#retrying(`publishing event ${seq} of run ${runId}`, () =>
      this.#b.store(this.#b.names.out(runId), encode(json), {
        headers: h,
        msgID: `${runId}:${seq}`,
      }),
    );
  }

  /** Retries a publish while the broker is unreachable (the run's progress must get out). */
  async #retrying(what: string, publish: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await publish();
        return;
      } catch (error) {
        if (attempt >= 30) throw this.#b.unavailable(what, error);
        if (attempt === 1) this.#settings.onError(this.#b.unavailable(what, error));
        await new Promise((r) => globalThis.setTimeout(r, Math.min(2_000, 100 * attempt)));
      }
    }
  }

  /** The seq of the run's next stream event not yet on the broker. */
  async #nextSeq(runId: string): Promise<number> {
    const jsm = await this.#b.manager();
    const { names } = this.#b;
    const last = await jsm.streams
      .getMessage(names.outStream, { last_by_subj: names.out(runId) })
      .catch((error: unknown) => {
        if (isNotFound(error) || isNoMessage(error)) return null;
        throw this.#b.unavailable(`reading the stream of run ${runId}`, error);
      });
    if (last === null) return 0;
    const seq = Number(last.header.get(SEQ_HEADER));
    return Number.isSafeInteger(seq) ? seq + 1 : 0;
  }

  /** Stops driving the run here without settling it: it resumes on another worker. */
  #handBack(held: Held): void {
    held.handingBack = true;
    held.listen = undefined;
    // Drained: a request already on its way is answered HANDING_BACK, and the client asks the
    // next owner, instead of waiting for an answer that would never come.
    for (const sub of held.subscriptions) void sub.drain().catch(() => undefined);
    held.subscriptions = [];
    const handler = held.handler;
    if (handler === undefined || handler.isDone()) return;
    // A core whose handler can detach stops driving the run here at once, writes no end to the
    // journal and lets go of its claim.
    const detach = (handler as { detach?: () => unknown }).detach;
    if (typeof detach === "function") {
      void Promise.resolve()
        .then(() => detach.call(handler))
        .then(held.detach, (error: unknown) => {
          this.#settings.onError(error);
          this.#refuseClaims(held, handler);
        });
      return;
    }
    this.#refuseClaims(held, handler);
  }

  /**
   * Without `detach()`, the run's claim renewal is refused instead: core stops the run here
   * (within a third of a claim) without writing an end to the journal, and releases the claim.
   * See the package README ("Draining").
   */
  #refuseClaims(held: Held, handler: WorkflowHandler): void {
    vetoClaims(held.served.journal, held.runId);
    void handler.then(
      () => releaseVeto(held.served.journal, held.runId),
      () => releaseVeto(held.served.journal, held.runId),
    );
  }
}

/** A run that failed here because the journal let go of it, not because of its steps. */
function lostHere(error: unknown): boolean {
  return error instanceof RunOwnedError || error instanceof JournalError;
}

function isNoMessage(error: unknown): boolean {
  return error instanceof Error && /no message found/i.test(error.message);
}

class EventRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

function handingBack(held: Held): Reply {
  return {
    error: {
      code: HANDING_BACK,
      message: `run ${held.runId} is moving to another worker (this one is closing)`,
    },
  };
}

function reply(m: Msg, answer: Reply): void {
  try {
    m.respond(encode(answer));
  } catch {
    // The requester is gone (timed out): nothing to answer.
  }
}

function parseRequest(msg: JsMsg): RunRequest {
  let body: unknown;
  try {
    body = decode(msg.data);
  } catch (error) {
    throw new WorkflowRuntimeError(
      `A run request on ${msg.subject} is not JSON; dropped it. Start runs with natsClient(nc).run(name, input).`,
      { cause: error },
    );
  }
  const r = body as Partial<RunRequest> | null;
  if (
    r === null ||
    typeof r !== "object" ||
    typeof r.runId !== "string" ||
    r.input === null ||
    typeof r.input !== "object"
  ) {
    throw new WorkflowRuntimeError(
      `A run request on ${msg.subject} is not { runId, workflow, input }; dropped it. Start runs with natsClient(nc).run(name, input).`,
    );
  }
  return r as RunRequest;
}

/** A stand-in terminal event, for a stream that could not be published to its end. */
function terminalJSON(state: RunStateRecord): { type: string; data: unknown } {
  switch (state.status) {
    case "completed":
      return { type: "StopEvent", data: { result: state.result } };
    case "cancelled":
      return { type: "WorkflowCancelledEvent", data: { reason: state.error?.message } };
    case "timed_out":
      return { type: "WorkflowTimedOutEvent", data: { error: state.error } };
    default:
      return {
        type: "WorkflowFailedEvent",
        data: { step: "", error: { name: state.error?.code, message: state.error?.message } },
      };
  }
}

function resultJSON(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "toJSON" in value) {
    return (value as { toJSON(): unknown }).toJSON();
  }
  return value;
}
