// A durable run's step sees its own store writes at once; others see them when it ends.
import type { Store } from "../context.js";
import type { RunStore } from "./run-store.js";

/**
 * The store as one attempt of a durable run sees it: reads see the attempt's own writes, then
 * the run's store; writes are validated at once but land in the run's store only when the
 * attempt ends well (`commit`). So an attempt that fails, or that a crash cuts short and that
 * runs again, never leaves half its writes behind.
 */
export class StoreOverlay implements Store<Record<string, unknown>> {
  private readonly writes = new Map<string, unknown>();

  constructor(private readonly base: RunStore) {}

  get(key: string, ...rest: [unknown?]): Promise<unknown> {
    if (this.writes.has(key)) return Promise.resolve(this.writes.get(key));
    return this.base.get(key, ...rest);
  }

  set(key: string, value: unknown): Promise<void> {
    const checked = this.base.check(key, value);
    if (!checked.ok) return Promise.reject(checked.error);
    this.writes.set(key, checked.value);
    return Promise.resolve();
  }

  commit(): void {
    for (const [key, value] of this.writes) this.base.restore(key, value);
    this.writes.clear();
  }
}
