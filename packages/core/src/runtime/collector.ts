import type { Event, EventClass } from "../event.js";
import { Fifo } from "./fifo.js";

/** Events taken from a buffer, and the span contexts of their producers (when any was known). */
export interface Taken<L> {
  readonly events: Event[];
  /** Parallel to `events`; undefined when no producer's span context was buffered. */
  readonly links: (L | undefined)[] | undefined;
}

/** The buffered events of one class, with their producers' span contexts once one is known. */
class ClassQueue<L> {
  readonly events = new Fifo<Event>();
  links: Fifo<L | undefined> | undefined = undefined;

  push(event: Event, link: L | undefined): void {
    if (link !== undefined && this.links === undefined) {
      // The first known link: earlier events had none.
      this.links = new Fifo();
      for (let i = 0; i < this.events.length; i++) this.links.push(undefined);
    }
    this.events.push(event);
    this.links?.push(link);
  }
}

/**
 * One fan-in buffer (per step and bufferId): a FIFO queue per event class, so a collection costs
 * O(expected) and a count collection O(1) per call, never O(buffered). Untraced events are
 * buffered as they are, with no wrapper.
 */
export class Collector<L> {
  private readonly queues = new Map<EventClass, ClassQueue<L>>();
  /** The class last looked up and its queue: a fan-in mostly buffers and takes one class. */
  private lastClass: EventClass | undefined = undefined;
  private lastQueue: ClassQueue<L> | undefined = undefined;

  private queueOf(cls: EventClass): ClassQueue<L> | undefined {
    if (cls === this.lastClass) return this.lastQueue;
    const q = this.queues.get(cls);
    if (q !== undefined) {
      this.lastClass = cls;
      this.lastQueue = q;
    }
    return q;
  }

  add(event: Event, link: L | undefined): void {
    const cls = event.constructor as EventClass;
    let q = this.queueOf(cls);
    if (q === undefined) this.queues.set(cls, (q = new ClassQueue()));
    q.push(event, link);
  }

  /** One event of each expected class, in the order of `expected`; null if any is missing. */
  takeEach(expected: readonly EventClass[]): Taken<L> | null {
    if (expected.length === 1) {
      const q = this.queues.get(expected[0]!);
      if (q === undefined || q.events.length === 0) return null;
      const link = q.links?.shift();
      return { events: [q.events.shift()!], links: link === undefined ? undefined : [link] };
    }
    const needed = new Map<EventClass, number>();
    for (const cls of expected) needed.set(cls, (needed.get(cls) ?? 0) + 1);
    for (const [cls, n] of needed) {
      if ((this.queues.get(cls)?.events.length ?? 0) < n) return null;
    }
    const events: Event[] = [];
    let links: (L | undefined)[] | undefined;
    expected.forEach((cls, i) => {
      const q = this.queues.get(cls)!;
      events.push(q.events.shift()!);
      const link = q.links?.shift();
      if (link !== undefined) (links ??= new Array<L | undefined>(expected.length))[i] = link;
    });
    return { events, links };
  }

  /** Every buffered event, class by class (each class's in arrival order). */
  contents(): Event[] {
    const out: Event[] = [];
    for (const q of this.queues.values()) out.push(...q.events.toArray());
    return out;
  }

  /** `count` events of one class in arrival order; null until that many are buffered. */
  takeCount(cls: EventClass, count: number): Taken<L> | null {
    const q = this.queueOf(cls);
    if (q === undefined || q.events.length < count) return null;
    return { events: q.events.take(count), links: q.links?.take(count) };
  }
}
