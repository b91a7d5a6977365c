import type { Event, EventClass } from "../event.js";
import { Fifo } from "./fifo.js";

/** A buffered event and the span context of the step that produced it. */
export interface Buffered<L> {
  readonly event: Event;
  readonly link: L | undefined;
}

/**
 * One fan-in buffer (per step and bufferId): a FIFO queue per event class, so a collection costs
 * O(expected) and a count collection O(1) per call, never O(buffered).
 */
export class Collector<L> {
  private readonly queues = new Map<EventClass, Fifo<Buffered<L>>>();

  add(item: Buffered<L>): void {
    const cls = item.event.constructor as EventClass;
    let q = this.queues.get(cls);
    if (q === undefined) this.queues.set(cls, (q = new Fifo()));
    q.push(item);
  }

  /** One event of each expected class, in the order of `expected`; null if any is missing. */
  takeEach(expected: readonly EventClass[]): Buffered<L>[] | null {
    if (expected.length === 1) {
      const q = this.queues.get(expected[0]!);
      return q !== undefined && q.length > 0 ? [q.shift()!] : null;
    }
    const needed = new Map<EventClass, number>();
    for (const cls of expected) needed.set(cls, (needed.get(cls) ?? 0) + 1);
    for (const [cls, n] of needed) {
      if ((this.queues.get(cls)?.length ?? 0) < n) return null;
    }
    return expected.map((cls) => this.queues.get(cls)!.shift()!);
  }

  /** `count` events of one class in arrival order; null until that many are buffered. */
  takeCount(cls: EventClass, count: number): Buffered<L>[] | null {
    const q = this.queues.get(cls);
    if (q === undefined || q.length < count) return null;
    const out = new Array<Buffered<L>>(count);
    for (let i = 0; i < count; i++) out[i] = q.shift()!;
    return out;
  }
}
