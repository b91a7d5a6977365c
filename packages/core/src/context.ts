import type { Event, EventClass } from "./event.js";

/**
 * The workflow a context belongs to: the `Workflow` class, merged in by `workflow.ts` (a
 * declaration merge), so that this file, which steps and the runtime import, never imports the
 * workflow (no import circle).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ContextWorkflow {}

/** A run's key-value store. Async so a durable store can back it later. */
export interface Store<S = Record<string, unknown>> {
  /** The value at `key`; `defaultValue` if missing; a missing key with no default throws. */
  get<K extends keyof S & string>(key: K, defaultValue?: S[K]): Promise<S[K]>;
  /** Sets `key`; with a `static state` schema the value is validated first. */
  set<K extends keyof S & string>(key: K, value: S[K]): Promise<void>;
}

/** Options of {@link Context.collectEvents} (list form). */
export interface CollectOptions {
  /** Separate buffers within one step, e.g. one per request. */
  readonly bufferId?: string;
}

/** Options of {@link Context.collectEvents} (count form). */
export interface CollectCountOptions extends CollectOptions {
  /** How many events of the class to collect. */
  readonly count: number;
}

/** Options of {@link Context.waitForEvent}. */
export interface WaitForEventOptions<E extends Event> {
  /** Field values the event must have (compared with `===`). */
  readonly requirements?: Partial<{ [K in keyof E]: E[K] }>;
  /** Written to the stream before waiting, e.g. an `InputRequiredEvent` asking a human. */
  readonly waiterEvent?: Event;
  /** Milliseconds to wait; then the wait rejects with `StepTimeoutError`. */
  readonly timeout?: number;
}

/** Where a step invocation stands in its retries. */
export interface RetryState {
  /** 1-based execution number: 1 on the first try. */
  readonly attempt: number;
  /** What the previous attempt threw; `undefined` on the first try. */
  readonly lastError: unknown;
}

type InstancesOf<T extends readonly EventClass[]> = {
  -readonly [K in keyof T]: InstanceType<T[K]>;
};

/**
 * A run's context, as seen by one step invocation (or by the caller, as `handler.ctx`).
 * Annotate `ctx: Context<MyState>` to type the store.
 */
export interface Context<S = Record<string, unknown>> {
  readonly runId: string;
  readonly workflow: ContextWorkflow;
  readonly store: Store<S>;
  /** Aborted when the attempt times out, or the run ends, fails, times out or is cancelled. */
  readonly signal: AbortSignal;
  readonly retry: RetryState;
  /**
   * Unique per step invocation within the run, and the same when that invocation runs again (a
   * retry, or a re-run after a resume or a crash): the idempotency key for side effects.
   */
  readonly invocationId: string;
  /** Broadcast to every step that accepts `event`'s class, or to the one named `step`. */
  sendEvent(event: Event, options?: { readonly step?: string }): void;
  /** Appends to the run's stream, in call order. */
  writeEventToStream(event: Event): void;
  /**
   * Fan-in: buffers `event`; returns `null` until one event of each expected class is buffered,
   * then those events in the order of `expected`. Extras stay for the next collection.
   */
  collectEvents<const T extends readonly EventClass[]>(
    event: Event,
    expected: T,
    options?: CollectOptions,
  ): InstancesOf<T> | null;
  /** Fan-in of `count` events of one class, in arrival order. */
  collectEvents<E extends Event>(
    event: Event,
    expected: EventClass<E>,
    options: CollectCountOptions,
  ): E[] | null;
  /** Suspends the step until an event of `cls` (matching `requirements`) arrives. */
  waitForEvent<E extends Event>(cls: EventClass<E>, options?: WaitForEventOptions<E>): Promise<E>;
}
