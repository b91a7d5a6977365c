/**
 * Test-controlled promises and counters: tests wait on these, never on sleeps.
 */

/** A promise the test settles by hand. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Counts how many callers are inside `around()` at once, and the peak. */
export class ConcurrencyProbe {
  current = 0;
  peak = 0;
  entered = 0;
  private readonly waiters: { n: number; resolve(): void }[] = [];

  async around<T>(body: () => Promise<T>): Promise<T> {
    this.current++;
    this.entered++;
    this.peak = Math.max(this.peak, this.current);
    for (const w of this.waiters.filter((w) => this.entered >= w.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    try {
      return await body();
    } finally {
      this.current--;
    }
  }

  /** Resolves once `n` callers have entered in total. */
  entries(n: number): Promise<void> {
    if (this.entered >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/** A simulated job of `ms` (a timer the step awaits, not a sleep in the test). */
export function work(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Collects every event of a stream, as type names. */
export async function streamTypes(stream: AsyncIterable<object>): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of stream) out.push(ev.constructor.name);
  return out;
}
