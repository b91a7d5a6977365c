import {
  type Context,
  type RetryPolicy,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  step,
} from "@eventloom/core";

export interface FlakyRun {
  /** `performance.now()` at each execution's start, relative to `run()`. */
  readonly starts: number[];
  /** The run's value, or the error it rejected with. */
  readonly outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  /** Time from `run()` until the run settled. */
  readonly settledAfter: number;
  /** The stream's events, in order. */
  readonly stream: unknown[];
}

/**
 * Runs a one-step workflow whose step body is `body(attempt, ctx)` under `retry`, and returns
 * when each execution started. Written for fake timers: the caller advances the clock with
 * `vi.runAllTimersAsync()` while awaiting this.
 */
export async function runFlaky(
  retry: RetryPolicy,
  body: (attempt: number, ctx: Context) => unknown,
  options: { readonly timeout?: number } = {},
): Promise<FlakyRun> {
  const starts: number[] = [];
  let t0 = 0;
  class Flaky extends Workflow {
    work = step(
      { accepts: [StartEvent], emits: [StopEvent], retry, ...options },
      async (_ev, ctx) => {
        starts.push(performance.now() - t0);
        return new StopEvent({ result: await body(ctx.retry.attempt, ctx) });
      },
    );
  }
  t0 = performance.now();
  const handler = new Flaky({ timeout: null }).run();
  const stream: unknown[] = [];
  const streamed = (async () => {
    for await (const ev of handler.streamEvents()) stream.push(ev);
  })();
  const outcome = await handler.result.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  const settledAfter = performance.now() - t0;
  await streamed;
  return { starts, outcome, settledAfter, stream };
}

/** The stream's WorkflowFailedEvents. */
export function failures(stream: readonly unknown[]): WorkflowFailedEvent[] {
  return stream.filter((e): e is WorkflowFailedEvent => e instanceof WorkflowFailedEvent);
}

/** Resolves after `ms` on whatever clock `setTimeout` runs on (fake in these tests). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
