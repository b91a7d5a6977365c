import type { RetryPolicy } from "@eventloom/core";
import { z } from "zod";
import { limitAttempts } from "./limit-attempts.js";
import { maxAttempts, milliseconds, parseOptions } from "./internal/options.js";

/** Options of {@link constantDelay}. */
export interface ConstantDelayOptions {
  /** Milliseconds to wait before each retry (>= 0). */
  readonly delayMs: number;
  /**
   * How many executions in all, the first try included: 3 means one try and two retries.
   * A whole number >= 1, or `Infinity` (then bound it otherwise, e.g. with `withMaxElapsed`).
   * Default 3.
   */
  readonly maxAttempts?: number;
}

const schema = z.strictObject({
  delayMs: milliseconds,
  maxAttempts: maxAttempts.optional(),
});

/**
 * Retries after the same delay every time, up to `maxAttempts` executions.
 *
 * @example
 * import { step, StartEvent, StopEvent } from "@eventloom/core";
 * import { constantDelay } from "@eventloom/retry";
 *
 * const fetchQuote = step(
 *   { accepts: [StartEvent], emits: [StopEvent], retry: constantDelay({ delayMs: 500, maxAttempts: 3 }) },
 *   async () => new StopEvent({ result: await quoteService.latest() }),
 * );
 * // Executions start at t = 0, 500 and 1000 ms (plus the time each try takes); after the third
 * // failure the run fails with that failure's error.
 *
 * @throws WorkflowValidationError naming the option, e.g. for a negative `delayMs` or a
 *   `maxAttempts` of 0.
 */
export function constantDelay(options: ConstantDelayOptions): RetryPolicy {
  const { delayMs, maxAttempts = 3 } = parseOptions("constantDelay", schema, options);
  return limitAttempts(maxAttempts, { next: () => delayMs });
}
