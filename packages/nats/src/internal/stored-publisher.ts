// Publishes into JetStream streams and takes the broker's acknowledgements on one reply
// subscription: @nats-io/jetstream's publish() makes each message a request of its own (an
// inbox entry, a timer, and two errors built up front for their stack traces), which was the
// largest single cost of a short run in the client and in the worker.
import { PubHeaders } from "@nats-io/jetstream";
import {
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
  createInbox,
  headers as natsHeaders,
} from "@nats-io/transport-node";

/** The broker's acknowledgement: the message is stored (or was already, under its id). */
export interface StoredAck {
  readonly duplicate: boolean;
}

interface Pending {
  readonly resolve: (ack: StoredAck) => void;
  readonly reject: (error: Error) => void;
  readonly until: number;
}

/** As long as @nats-io/jetstream's publish() waits by default. */
const ACK_TIMEOUT_MS = 5_000;

export class StoredPublisher {
  readonly #nc: NatsConnection;
  readonly #pending = new Map<string, Pending>();
  #inbox = "";
  #sub: Subscription | undefined;
  #next = 0;
  #sweep: ReturnType<typeof globalThis.setInterval> | undefined;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
  }

  /** Publishes one message; resolves once a stream has stored it, rejects with why not. */
  publish(
    subject: string,
    data: Uint8Array | string,
    options: { readonly headers?: MsgHdrs; readonly msgID?: string } = {},
  ): Promise<StoredAck> {
    let headers = options.headers;
    if (options.msgID !== undefined) {
      headers ??= natsHeaders();
      headers.set(PubHeaders.MsgIdHdr, options.msgID);
    }
    return new Promise<StoredAck>((resolve, reject) => {
      try {
        this.#open();
        const id = String(this.#next++);
        this.#pending.set(id, { resolve, reject, until: Date.now() + ACK_TIMEOUT_MS });
        this.#nc.publish(subject, data, {
          reply: `${this.#inbox}.${id}`,
          ...(headers === undefined ? {} : { headers }),
        });
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  #open(): void {
    if (this.#sweep === undefined) this.#sweep = this.#startSweep();
    if (this.#sub !== undefined && !this.#sub.isClosed()) return;
    const prefix = (this.#nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
    this.#inbox = createInbox(prefix);
    this.#sub = this.#nc.subscribe(`${this.#inbox}.*`, {
      callback: (error, m) => (error === null ? this.#answer(m) : this.#failAll(error)),
    });
  }

  #answer(m: Msg): void {
    const id = m.subject.slice(this.#inbox.length + 1);
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (m.headers?.code === 503) {
      return pending.reject(new Error("no stream takes this subject (or JetStream is not ready)"));
    }
    let answer: { error?: { description?: string; err_code?: number }; duplicate?: boolean };
    try {
      answer = m.json();
    } catch {
      return pending.reject(new Error("the broker's acknowledgement is not JSON"));
    }
    if (answer.error !== undefined) {
      const { description, err_code } = answer.error;
      return pending.reject(new Error(`the stream refused it: ${description} (${err_code})`));
    }
    pending.resolve({ duplicate: answer.duplicate === true });
  }

  #failAll(error: Error): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.reject(error);
  }

  /** Rejects what has waited too long; runs only while something waits. */
  #startSweep(): ReturnType<typeof globalThis.setInterval> {
    const sweep = globalThis.setInterval(() => {
      const now = Date.now();
      for (const [id, p] of this.#pending) {
        if (p.until > now) break; // in the order they were sent
        this.#pending.delete(id);
        p.reject(new Error(`no acknowledgement within ${ACK_TIMEOUT_MS} ms`));
      }
      if (this.#pending.size === 0) {
        globalThis.clearInterval(sweep);
        this.#sweep = undefined;
      }
    }, 1_000);
    sweep.unref?.();
    return sweep;
  }
}
