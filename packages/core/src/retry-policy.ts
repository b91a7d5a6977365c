/** What a {@link RetryPolicy} is told after a failed attempt. */
export interface RetryAttemptInfo {
  /** The number of the execution that just failed: 1 after the first failure. */
  readonly attempt: number;
  /** Milliseconds since the first attempt started, on a monotonic clock. */
  readonly elapsedMs: number;
  /** What the attempt threw. */
  readonly error: unknown;
}

/**
 * Decides whether a failed step attempt is retried. `next` returns the delay in ms before the
 * next attempt, or `null` to give up (the run then fails with the step's error). Ready-made
 * policies live in `@eventloom/retry`.
 */
export interface RetryPolicy {
  next(info: RetryAttemptInfo): number | null;
}
