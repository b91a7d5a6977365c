import { Observable } from "rxjs";
import type { Event } from "../event.js";
import { Fifo } from "./fifo.js";

interface Consumer {
  next(event: Event): void;
  complete(): void;
}

/**
 * A run's event stream. Everything written before the first consumer attaches is kept for it;
 * consumers attaching later get the events from then on, plus the terminal event. After the
 * terminal event every consumer completes.
 */
export class EventStream {
  /** Events written before the first consumer attached (made on the first such write). */
  private backlog: Fifo<Event> | undefined = undefined;
  private attachedOnce = false;
  private consumers: Consumer[] | undefined = undefined;
  private terminal: Event | null = null;
  private observable: Observable<Event> | undefined = undefined;
  /** The iterator, when it is the one consumer attached (write pushes to its queue directly). */
  private sole: IteratorConsumer | undefined = undefined;
  /** Events dropped from the backlog past `limit` (`handler.streamDropped`). */
  dropped = 0;

  constructor(
    /** The most events the backlog keeps for consumers not yet attached (`streamLimit`). */
    readonly limit: number = Infinity,
    /** Called once, at the first event dropped past `limit`. */
    private readonly onFirstDrop?: (limit: number) => void,
  ) {}

  /** An Observable view: each subscription attaches a consumer. */
  get events$(): Observable<Event> {
    return (this.observable ??= new Observable<Event>((subscriber) => {
      const consumer: Consumer = {
        next: (e) => subscriber.next(e),
        complete: () => subscriber.complete(),
      };
      this.attach(consumer);
      return () => this.detach(consumer);
    }));
  }

  /** How many events wait in the backlog for a first consumer. */
  get backlogLength(): number {
    return this.backlog?.length ?? 0;
  }

  /** Whether a consumer has attached yet (until then, written events wait in the backlog). */
  get hasAttached(): boolean {
    return this.attachedOnce;
  }

  get ended(): boolean {
    return this.terminal !== null;
  }

  write(event: Event): void {
    // The common case first: one `for await` consumer that has not caught up yet.
    const sole = this.sole;
    if (sole !== undefined && sole.waiting === null && !sole.done) {
      sole.queue.push(event);
      return;
    }
    if (this.terminal !== null) return;
    const consumers = this.consumers;
    if (consumers === undefined || consumers.length === 0) {
      if (!this.attachedOnce) this.keep(event);
      return;
    }
    if (consumers.length === 1) consumers[0]!.next(event);
    else for (const c of consumers.slice()) c.next(event);
  }

  /** Keeps `event` for the first consumer, dropping the oldest kept one past `limit`. */
  private keep(event: Event): void {
    const backlog = (this.backlog ??= new Fifo<Event>());
    backlog.push(event);
    if (backlog.length <= this.limit) return;
    backlog.shift();
    if (this.dropped++ === 0) this.onFirstDrop?.(this.limit);
  }

  end(terminal: Event): void {
    if (this.terminal !== null) return;
    this.terminal = terminal;
    this.sole = undefined;
    const consumers = this.consumers;
    this.consumers = undefined;
    if (consumers === undefined) return;
    for (const c of consumers) {
      c.next(terminal);
      c.complete();
    }
  }

  attach(consumer: Consumer): void {
    if (!this.attachedOnce) {
      // The first consumer gets everything written so far.
      this.attachedOnce = true;
      const backlog = this.backlog;
      this.backlog = undefined;
      if (backlog !== undefined) for (const e of backlog.toArray()) consumer.next(e);
    }
    if (this.terminal !== null) {
      consumer.next(this.terminal);
      consumer.complete();
      return;
    }
    (this.consumers ??= []).push(consumer);
    this.sole =
      this.consumers.length === 1 && consumer instanceof IteratorConsumer ? consumer : undefined;
  }

  detach(consumer: Consumer): void {
    const consumers = this.consumers;
    if (consumers === undefined) return;
    const i = consumers.indexOf(consumer);
    if (i >= 0) consumers.splice(i, 1);
    const only = consumers.length === 1 ? consumers[0] : undefined;
    this.sole = only instanceof IteratorConsumer ? only : undefined;
  }

  /** An async-iterable view, attached at once; `return()` (a `break` in `for await`) detaches it. */
  iterate(): AsyncIterableIterator<Event> {
    const consumer = new IteratorConsumer();
    // Attached now, not at the first next(): calling streamEvents() is what attaches a consumer,
    // so two iterators created together both see the whole stream whatever order they run in.
    this.attach(consumer);
    const detach = () => this.detach(consumer);
    return {
      next(): Promise<IteratorResult<Event>> {
        const queue = consumer.queue;
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (consumer.done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (consumer.waiting = resolve));
      },
      return(): Promise<IteratorResult<Event>> {
        consumer.done = true;
        consumer.queue.clear();
        detach();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

/** A `for await` consumer: events it has not asked for yet wait in its queue. */
class IteratorConsumer implements Consumer {
  readonly queue = new Fifo<Event>();
  done = false;
  waiting: ((r: IteratorResult<Event>) => void) | null = null;

  next(e: Event): void {
    const w = this.waiting;
    if (w !== null) {
      this.waiting = null;
      w({ value: e, done: false });
    } else this.queue.push(e);
  }

  complete(): void {
    this.done = true;
    const w = this.waiting;
    if (w !== null) {
      this.waiting = null;
      w({ value: undefined, done: true });
    }
  }
}
