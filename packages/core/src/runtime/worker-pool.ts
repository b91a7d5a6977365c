// A step's worker pool state beyond its in-flight count: queued events, queued retries, slots.
import type { Event } from "../event.js";
import type { Taken } from "./collector.js";
import { Fifo } from "./fifo.js";
import type { ProducerLink } from "./tracing.js";

/**
 * What an invocation of a step with a retry policy collected from each buffer: a retry must not
 * buffer its event again, and gets the batch that a failed attempt already took.
 */
export type CollectMemo = Map<string, Taken<ProducerLink> | null>;

/** A retry waiting for a worker (first tries wait as their bare events). */
export interface PendingRetry {
  readonly event: Event;
  readonly link: ProducerLink | undefined;
  readonly attempt: number;
  readonly lastError: unknown;
  readonly firstStart: number;
  readonly memo: CollectMemo | undefined;
  /** The invocation's number in its run, kept across its attempts (see `ctx.invocationId`). */
  readonly invocation: number;
}

/**
 * The part of a step's worker pool that few runs need: invocations queued for a worker, waiting
 * for an event or for a retry, and the worker slots of traced attempts. Made for a step when it
 * first needs one; the in-flight count of every step lives in the run's `active` array.
 */
export class WorkerPool {
  waiting = 0;
  /** Invocations waiting out a retry delay: they hold no worker slot but are still active. */
  retrying = 0;
  /** First tries waiting for a worker: their events, as they are (no wrapper). */
  queue: Fifo<Event> | undefined = undefined;
  /** Beside `queue`, the events' producer span contexts, once any event had one. */
  queueLinks: Fifo<ProducerLink | undefined> | undefined = undefined;
  /** Retries waiting for a worker: they go before first tries, so a retry is not starved. */
  retries: Fifo<PendingRetry> | undefined = undefined;
  /** Retries waiting out their delay, with when it ends (`Date.now()` clock, for snapshots). */
  delayed: Map<PendingRetry, number> | undefined = undefined;
  private freeSlots: number[] | undefined = undefined;
  private nextSlot = 0;

  /** How many invocations wait for a worker. */
  get queued(): number {
    return (this.queue?.length ?? 0) + (this.retries?.length ?? 0);
  }

  enqueue(event: Event, link: ProducerLink | undefined): void {
    const queue = (this.queue ??= new Fifo());
    if (link !== undefined && this.queueLinks === undefined) {
      // The first known link: the events queued before it had none.
      this.queueLinks = new Fifo();
      for (let k = 0; k < queue.length; k++) this.queueLinks.push(undefined);
    }
    queue.push(event);
    this.queueLinks?.push(link);
  }

  clear(): void {
    this.queue?.clear();
    this.queueLinks?.clear();
    this.retries?.clear();
    this.delayed?.clear();
  }

  /** The worker slot of a traced attempt (`eventloom.step.worker`): a free one, reused. */
  takeSlot(): number {
    const free = this.freeSlots;
    return free !== undefined && free.length > 0 ? free.pop()! : this.nextSlot++;
  }

  releaseSlot(slot: number): void {
    (this.freeSlots ??= []).push(slot);
  }
}
