// Calls made in one tick, sent to the database together, each answered on its own.
/** What one call of a send came to: its result, or the error of that call alone. */
export type Outcome<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/** One call waiting for the next send, and what to tell its caller. */
interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Gathers the items added in one tick and hands them to `send` at once, in the order they were
 * added; each caller gets the outcome at its own index, or the error of the whole send. 1 000
 * runs claimed in one flush of the journal writer, with their headers, are one round trip
 * instead of 1 001.
 */
export class TickBatch<T, R> {
  #waiting: Waiting<T, R>[] = [];

  constructor(private readonly send: (items: readonly T[]) => Promise<readonly Outcome<R>[]>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#waiting.length === 0) queueMicrotask(() => this.#flush());
      this.#waiting.push({ item, resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#waiting;
    this.#waiting = [];
    this.send(batch.map((w) => w.item)).then(
      (outcomes) =>
        batch.forEach((w, i) => {
          const outcome = outcomes[i]!;
          if (outcome.ok) w.resolve(outcome.value);
          else w.reject(outcome.error);
        }),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  }
}
