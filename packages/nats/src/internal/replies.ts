// One subscription per client for the end states of the runs it started: their workers send
// each on core NATS to the client's reply subject, so a run's result() needs no subscription
// and no read of its own.
import type { Subscription } from "@nats-io/transport-node";
import type { Broker } from "./broker.js";
import { type RunStateRecord, decode } from "./wire.js";

/** What a run started by this client hears: its end state, or that it may have missed it. */
export interface ReplyListener {
  settled(state: RunStateRecord): void;
  /** A reply may have been lost (core NATS keeps nothing across a reconnect): read the stored state. */
  unsure(): void;
}

/** A client's reply subject `<prefix>.reply.<clientId>` and the runs waiting on it. */
export class Replies {
  readonly subject: string;
  readonly #b: Broker;
  readonly #listeners = new Map<string, ReplyListener>();
  #sub: Subscription | undefined;
  #watching = false;

  constructor(b: Broker) {
    this.#b = b;
    this.subject = b.names.reply(crypto.randomUUID().replaceAll("-", ""));
  }

  /**
   * Listens for `runId`'s end state. Call it before the run's request is published: the SUB goes
   * out on the same connection first, so the server has it before any worker can answer.
   */
  listen(runId: string, listener: ReplyListener): void {
    this.#open();
    this.#listeners.set(runId, listener);
  }

  /** Tells the run's listener, if any, to read the stored state instead. */
  giveUp(runId: string): void {
    const listener = this.#listeners.get(runId);
    this.#listeners.delete(runId);
    listener?.unsure();
  }

  #open(): void {
    if (!this.#watching) {
      this.#watching = true;
      this.#b.onReconnect(() => this.#lost());
    }
    if (this.#sub !== undefined && !this.#sub.isClosed()) return;
    this.#sub = this.#b.nc.subscribe(this.subject, {
      callback: (error, m) => {
        // The subscription is gone (a permissions error): the next listen() opens another.
        if (error !== null) return this.#lost();
        let state: RunStateRecord;
        try {
          state = decode(m.data) as RunStateRecord;
        } catch {
          return;
        }
        const listener = this.#listeners.get(state?.runId);
        if (listener === undefined) return;
        this.#listeners.delete(state.runId);
        listener.settled(state);
      },
    });
  }

  /** Every run listening now may have missed its reply. */
  #lost(): void {
    const all = [...this.#listeners.values()];
    this.#listeners.clear();
    for (const listener of all) listener.unsure();
  }
}
