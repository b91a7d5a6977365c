import type { RetryAttemptInfo, RetryPolicy } from "@eventloom/core";

export interface Simulation {
  /** Executions made, the first try included. */
  readonly executions: number;
  /** The delay the policy asked for after each failed execution that was retried. */
  readonly delays: number[];
  /** Every `info` the policy was asked with. */
  readonly asked: RetryAttemptInfo[];
}

/**
 * Drives `policy` the way the core does for a step that always fails: execution `attempt`
 * fails, `next()` is asked with the time since the first execution started, the next execution
 * starts `delay` ms later. Each execution takes `attemptMs`.
 */
export function simulate(
  policy: RetryPolicy,
  {
    error = (attempt: number): unknown => new Error(`failure ${attempt}`),
    attemptMs = 0,
    limit = 10_000,
  }: { error?: (attempt: number) => unknown; attemptMs?: number; limit?: number } = {},
): Simulation {
  const delays: number[] = [];
  const asked: RetryAttemptInfo[] = [];
  let startedAt = 0;
  for (let attempt = 1; attempt <= limit; attempt++) {
    const info = { attempt, elapsedMs: startedAt + attemptMs, error: error(attempt) };
    asked.push(info);
    const delay = policy.next(info);
    if (delay === null) return { executions: attempt, delays, asked };
    delays.push(delay);
    startedAt = info.elapsedMs + delay;
  }
  throw new Error(`the policy was still retrying after ${limit} executions`);
}
