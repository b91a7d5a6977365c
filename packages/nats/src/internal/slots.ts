// A counting semaphore: the run slots of a worker (`concurrency`).

/** A counting semaphore for run slots. */
export class Slots {
  #free: number;
  #waiters: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  get free(): number {
    return this.#free;
  }
  take(n: number): number {
    const k = Math.min(n, this.#free);
    this.#free -= k;
    return k;
  }
  give(n: number): void {
    this.#free += n;
    if (n > 0) this.wake();
  }
  whenFree(): Promise<void> {
    if (this.#free > 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
