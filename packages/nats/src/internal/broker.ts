// Streams created on first use, with explicit limits, and broker errors turned into NatsErrors
// that name the server.
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import { type MsgHdrs, type NatsConnection, nanos } from "@nats-io/transport-node";
import { WorkflowValidationError } from "@eventloom/core";
import { NatsError } from "../nats-errors.js";
import type { NatsNames } from "../nats-names.js";
import { type StoredAck, StoredPublisher } from "./stored-publisher.js";

/** Limits of the streams, shared by workers and clients (the first to create a stream sets them). */
export interface StreamLimits {
  /** How long a stream keeps a message, in ms; default 7 days. Longer than your longest run. */
  readonly maxAgeMs?: number;
  /** The most bytes each stream keeps; default 1 GiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_BYTES = 1024 * 1024 * 1024;

export interface Broker {
  readonly nc: NatsConnection;
  readonly names: NatsNames;
  readonly js: JetStreamClient;
  /** Publishes into a stream; resolves once the broker has stored the message. */
  store(
    subject: string,
    data: Uint8Array | string,
    options?: { readonly headers?: MsgHdrs; readonly msgID?: string },
  ): Promise<StoredAck>;
  manager(): Promise<JetStreamManager>;
  /** Creates the three streams if they are missing (once per broker object). */
  ready(): Promise<void>;
  /** A NatsError naming the server, for a failure while doing `what`. */
  unavailable(what: string, cause: unknown): NatsError;
  /**
   * Calls `listener` after each reconnect (core messages published meanwhile were missed);
   * returns the function that stops it.
   */
  onReconnect(listener: () => void): () => void;
}

/** Checks a connection: a clear error for anything that is not a NatsConnection. */
export function checkConnection(nc: unknown, call: string): NatsConnection {
  const c = nc as Partial<NatsConnection> | null;
  if (
    c === null ||
    typeof c !== "object" ||
    typeof c.request !== "function" ||
    typeof c.getServer !== "function"
  ) {
    throw new WorkflowValidationError(
      `${call} takes a NATS connection: const nc = await connect({ servers: "127.0.0.1:4222" }) from @nats-io/transport-node (or connectNats() from @eventloom/nats); got ${c === null ? "null" : typeof c}`,
    );
  }
  return c as NatsConnection;
}

export function checkLimits(call: string, limits: StreamLimits): Required<StreamLimits> {
  const problems: string[] = [];
  const { maxAgeMs, maxBytes } = limits;
  if (
    maxAgeMs !== undefined &&
    !(typeof maxAgeMs === "number" && Number.isFinite(maxAgeMs) && maxAgeMs >= 1000)
  )
    problems.push(`${call}: maxAgeMs must be a number of ms >= 1000; got ${String(maxAgeMs)}`);
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 1024))
    problems.push(`${call}: maxBytes must be an integer >= 1024; got ${String(maxBytes)}`);
  if (problems.length > 0) throw new WorkflowValidationError(problems);
  return { maxAgeMs: maxAgeMs ?? DEFAULT_MAX_AGE_MS, maxBytes: maxBytes ?? DEFAULT_MAX_BYTES };
}

/** Whether `error` is the JetStream API's "not found" for a stream or a consumer. */
export function isNotFound(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamNotFound ||
      error.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

export function broker(
  nc: NatsConnection,
  names: NatsNames,
  limits: Required<StreamLimits>,
): Broker {
  let manager: Promise<JetStreamManager> | undefined;
  let ready: Promise<void> | undefined;
  const reconnectListeners = new Set<() => void>();
  let watchingStatus = false;
  const publisher = new StoredPublisher(nc);
  const b: Broker = {
    nc,
    names,
    js: jetstream(nc),
    store: (subject, data, options) => publisher.publish(subject, data, options),
    unavailable(what, cause) {
      if (cause instanceof NatsError) return cause;
      const server = nc.getServer();
      const why = cause instanceof Error ? cause.message : String(cause);
      const hint = /jetstream/i.test(why)
        ? "start nats-server with JetStream enabled (nats-server -js)"
        : "check that nats-server runs there and that the connection is open";
      return new NatsError("UNAVAILABLE", `NATS at ${server}: ${what} failed (${why}); ${hint}`, {
        cause,
      });
    },
    manager() {
      manager ??= jetstreamManager(nc).catch((error: unknown) => {
        manager = undefined;
        throw b.unavailable("opening JetStream", error);
      });
      return manager;
    },
    onReconnect(listener) {
      const own = () => listener();
      reconnectListeners.add(own);
      if (!watchingStatus) {
        watchingStatus = true;
        void (async () => {
          try {
            for await (const s of nc.status()) {
              if (s.type === "reconnect") for (const l of [...reconnectListeners]) l();
            }
          } catch {
            // The connection closed: nothing more to watch.
          }
        })();
      }
      return () => void reconnectListeners.delete(own);
    },
    ready() {
      ready ??= createStreams(b, limits).catch((error: unknown) => {
        ready = undefined;
        throw b.unavailable("creating the streams", error);
      });
      return ready;
    },
  };
  return b;
}

async function createStreams(b: Broker, limits: Required<StreamLimits>): Promise<void> {
  const jsm = await b.manager();
  const { names } = b;
  const common = {
    storage: StorageType.File,
    max_age: nanos(limits.maxAgeMs),
    max_bytes: limits.maxBytes,
    discard: DiscardPolicy.Old,
    allow_direct: true,
  };
  const want = [
    // Run requests: each is removed once a worker acks it (its run has settled).
    {
      ...common,
      name: names.runsStream,
      subjects: [`${names.prefix}.runs.*`],
      retention: RetentionPolicy.Workqueue,
      // A full work queue refuses new runs rather than dropping queued ones.
      discard: DiscardPolicy.New,
      duplicate_window: nanos(2 * 60 * 1000),
    },
    // Each run's stream, replayable from the start by a late consumer.
    {
      ...common,
      name: names.outStream,
      subjects: [`${names.prefix}.out.*`],
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(2 * 60 * 1000),
    },
    // A run's state "running", stored by its client while it has none; one message per run.
    {
      ...common,
      name: names.stateStream,
      subjects: [`${names.prefix}.state.*`],
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
    },
  ];
  for (const cfg of want) {
    try {
      await jsm.streams.info(cfg.name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await jsm.streams.add(cfg);
      } catch (addError) {
        // Another process created it in the meantime: theirs is as good as ours.
        await jsm.streams.info(cfg.name).catch(() => {
          throw addError;
        });
      }
    }
  }
}
