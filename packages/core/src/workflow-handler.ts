import type { Observable } from "rxjs";
import type { Context } from "./context.js";
import { WorkflowRuntimeError } from "./errors.js";
import type { Event } from "./event.js";
import { Run } from "./runtime/run.js";
import type { RunStart, UnhandledEvent } from "./runtime/run-state.js";
import { RunSettings } from "./runtime/run-settings.js";
import type { RunSnapshot } from "./runtime/snapshot.js";
import { settledSnapshotOf } from "./runtime/settled-snapshot.js";
import type { ExecutionRecord } from "./runtime/step-view.js";

export type { UnhandledEvent };

/**
 * A running (or finished) workflow run. Await it for the result; iterate `streamEvents()` or
 * subscribe to `events$` for the stream; `sendEvent` injects events; `cancel()` stops it.
 *
 * A handler is a real `Promise` of the run's result (`then`, `catch`, `finally`, and
 * `Promise.all` take it as one); promises derived from it (`handler.then(...)`) are plain
 * promises.
 *
 * @example
 * const handler = wf.run({ stock: "NVDA" });
 * for await (const ev of handler.streamEvents()) console.log(ev);
 * const result = await handler;
 */
export class WorkflowHandler<R = unknown> extends Promise<R> {
  readonly #run: Run;

  /** Derived promises (`then`, `catch`, `finally`) are plain promises, not handlers. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** @internal Starts the run; `workflow.run()` is the way to make one. */
  constructor(start: RunStart) {
    let resolve!: (value: unknown) => void;
    let reject!: (error: unknown) => void;
    super((res, rej) => {
      resolve = res as (value: unknown) => void;
      reject = rej;
    });
    if (!(start?.settings instanceof RunSettings)) {
      throw new TypeError("WorkflowHandler is made by workflow.run(), not constructed directly");
    }
    this.#run = new Run(start, this, resolve, reject);
  }

  /** This run's id (a UUID). */
  get runId(): string {
    return this.#run.runId;
  }

  /** The caller's view of the run's context: `sendEvent`, `store`, `writeEventToStream`. */
  get ctx(): Context {
    return this.#run.callerView;
  }

  /** Resolves to the run's result; rejects with the step's own error, or a WorkflowError. */
  get result(): Promise<R> {
    return this;
  }

  /** The run's stream as an RxJS Observable: written events, then one terminal event. */
  get events$(): Observable<Event> {
    return this.#run.stream.events$;
  }

  /** Events no step accepted, as they happen (hot; no replay). */
  get unhandled$(): Observable<UnhandledEvent> {
    return this.#run.unhandled$;
  }

  /**
   * Every event this run's steps return or send, as it is put on the run's bus: a hot Observable
   * (no replay) that completes when the run ends. Unlike `events$` (what steps write to the
   * stream), this is the run's internal traffic; events injected with `sendEvent` are not in it.
   * Nothing is recorded while nobody subscribes.
   *
   * @example
   * handler.emitted$.pipe(filter((ev) => ev instanceof TradeEvent)).subscribe(audit);
   */
  get emitted$(): Observable<Event> {
    return this.#run.emitted$;
  }

  /**
   * The OpenTelemetry trace id of the run's span (32 hex digits), or undefined when the run is
   * not traced: what a tracing backend (Jaeger, Tempo) finds the run by.
   */
  get traceId(): string | undefined {
    return this.#run.tracing.traceId;
  }

  /** The step invocations of this run so far, in start order (what `drawMostRecentExecution` draws). */
  get history(): readonly ExecutionRecord[] {
    return this.#run.history;
  }

  /**
   * Stream events dropped because nobody consumed them: past the workflow's `streamLimit`, the
   * oldest events kept for consumers not yet attached are dropped (a durable run keeps them all
   * in its journal).
   */
  get streamDropped(): number {
    return this.#run.streamInstance?.dropped ?? 0;
  }

  /** Step invocations past the workflow's `historyLimit`, counted but not in `history`. */
  get historyDropped(): number {
    return this.#run.historyDropped;
  }

  /** How the run ended, or "running". */
  get status(): "running" | "completed" | "failed" | "timed_out" | "cancelled" {
    return this.#run.status;
  }

  /**
   * The run's whole state now, as plain JSON (`version: 1`): queued events, invocations in
   * flight, fan-in buffers, waits, the store. `workflow.resume(snapshot)` continues from it, in
   * this process or another. Rejects with a WorkflowRuntimeError naming the key when a store
   * value (or event data) is not JSON-safe.
   */
  snapshot(): Promise<RunSnapshot> {
    // A microtask later: what the current synchronous stretch of steps does is in the cut.
    return Promise.resolve().then(() => this.#run.snapshot());
  }

  /**
   * The run's stream as an async iterable (the same stream as `events$`). With `{ from: n }`, a
   * journaled run's stream from its n-th event (0: all of it, even across resumes), read back
   * from the journal, then live.
   */
  streamEvents(options?: { readonly from?: number }): AsyncIterableIterator<Event> {
    const from = options?.from;
    if (from === undefined) return this.#run.stream.iterate();
    if (!(Number.isInteger(from) && from >= 0)) {
      throw new WorkflowRuntimeError(
        `streamEvents({ from }): from must be an integer >= 0 (the index of the first event); got ${JSON.stringify(from)}`,
      );
    }
    return this.#run.streamFrom(from);
  }

  /**
   * @internal For a settled run, a function that takes its snapshot (what `snapshot()` gives)
   * later, keeping only what a snapshot reads and not this handler or its run; undefined while
   * the run is running. A server keeps this for each finished run instead of the handler.
   */
  settledSnapshot(): (() => Promise<RunSnapshot>) | undefined {
    const run = this.#run;
    if (!run.settled) return undefined;
    const take = settledSnapshotOf(run);
    return () => Promise.resolve().then(take);
  }

  /** @internal Resolves once a run resumed from its journal has been read back. */
  whenLoaded(): Promise<void> {
    return this.#run.loaded;
  }

  /** @internal Resolves once everything the run has changed so far is durable. */
  whenDurable(): Promise<void> {
    return this.#run.journal === undefined ? Promise.resolve() : this.#run.journal.durable();
  }

  /** Injects an event into the running workflow (queued behind the start event if early). */
  sendEvent(event: Event, options?: { readonly step?: string }): void {
    this.#run.callerView.sendEvent(event, options);
  }

  /** Cancels the run; resolves once it has settled. Does nothing to a finished run. */
  cancel(reason?: unknown): Promise<void> {
    this.#run.cancel(reason);
    return this.then(
      () => undefined,
      () => undefined,
    );
  }

  /** True once the run has ended (stop event, error, timeout or cancel). */
  isDone(): boolean {
    return this.#run.settled;
  }

  /**
   * Stepwise mode (`run(input, { stepwise: true })`): runs every step invocation that is ready,
   * and returns the events they produced (dispatched at the next call); `null` once done.
   */
  runStep(): Promise<Event[] | null> {
    if (!this.#run.stepwise) {
      return Promise.reject(
        new WorkflowRuntimeError(
          "runStep() needs a stepwise run: start it with workflow.run(input, { stepwise: true })",
        ),
      );
    }
    return this.#run.runStep();
  }
}

// `await handler` takes V8's fast path only for a promise whose `constructor` is `Promise`
// itself; any other promise is awaited as a thenable (an extra job, an extra promise: about 3x
// the cost of the await). A handler is a real Promise, so it says so: `handler.constructor` is
// `Promise` (and `instanceof WorkflowHandler` still holds).
Object.defineProperty(WorkflowHandler.prototype, "constructor", {
  value: Promise,
  writable: true,
  configurable: true,
});
