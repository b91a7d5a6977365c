import { WorkflowRuntimeError, type RetryPolicy } from "@eventloom/core";
import { z } from "zod";
import { limitAttempts } from "./limit-attempts.js";
import {
  maxAttempts,
  milliseconds,
  parseOptions,
  positiveMilliseconds,
} from "./internal/options.js";
import { withMaxElapsed } from "./with-max-elapsed.js";

/**
 * How much randomness goes into each delay, as the share of the delay that may be taken away:
 * the delay is drawn uniformly from `[base * (1 - ratio), base]`. So jitter only ever shortens a
 * delay: `maxMs` stays a hard cap and `maxElapsedMs` stays honest.
 *
 * - `"full"` (ratio 1): anywhere in `[0, base]`; spreads many clients out the most.
 * - `"equal"` (ratio 0.5): in `[base / 2, base]`; still backs off at least half as much.
 * - `"none"` (ratio 0): exactly `base`; deterministic.
 * - a number between 0 and 1: that ratio.
 * - `true` is `"full"`, `false` is `"none"`.
 */
export type Jitter = "full" | "equal" | "none" | number | boolean;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry, in ms (>= 0). Default 100 (or `maxMs`, if that is less). */
  readonly initialMs?: number;
  /** Each delay is the previous one times `factor` (>= 1; 1 gives a constant delay). Default 2. */
  readonly factor?: number;
  /** No delay is longer than this, in ms (>= `initialMs`). Default 30 000. */
  readonly maxMs?: number;
  /** See {@link Jitter}. Default `"equal"`. */
  readonly jitter?: Jitter;
  /**
   * How many executions in all, the first try included: 3 means one try and two retries.
   * A whole number >= 1, or `Infinity` (then set `maxElapsedMs`). Default 3.
   */
  readonly maxAttempts?: number;
  /**
   * Time budget in ms, from the start of the first attempt: give up when the next retry would
   * start later than this (`elapsedMs + delay > maxElapsedMs`). Default: no budget.
   */
  readonly maxElapsedMs?: number;
  /**
   * Source of randomness for jitter, returning a number in `[0, 1)` like `Math.random` (the
   * default). Inject one to make delays reproducible in tests.
   */
  readonly random?: () => number;
}

const JITTER_RATIOS = { full: 1, equal: 0.5, none: 0 } as const;

const schema = z.strictObject({
  initialMs: milliseconds.optional(),
  factor: z
    .number({ error: "must be a finite number >= 1" })
    .min(1, { error: "must be a finite number >= 1" })
    .optional(),
  maxMs: milliseconds.optional(),
  jitter: z
    .custom<Jitter>(
      (v) =>
        v === "full" ||
        v === "equal" ||
        v === "none" ||
        typeof v === "boolean" ||
        (typeof v === "number" && v >= 0 && v <= 1),
      { error: 'must be "full", "equal", "none", a ratio between 0 and 1, or a boolean' },
    )
    .optional(),
  maxAttempts: maxAttempts.optional(),
  maxElapsedMs: positiveMilliseconds.optional(),
  random: z
    .custom<() => number>((v) => typeof v === "function", {
      error: "must be a function returning a number in [0, 1), like Math.random",
    })
    .optional(),
});

/**
 * Retries after delays that grow by `factor`, capped at `maxMs`, with jitter. After the execution
 * numbered `attempt` fails, the base delay is `min(maxMs, initialMs * factor ** (attempt - 1))`,
 * then jitter takes a random share of it away (see {@link Jitter}). Gives up after `maxAttempts`
 * executions, or when the next retry would start after `maxElapsedMs`, whichever comes first.
 *
 * @example
 * import { exponentialBackoff } from "@eventloom/retry";
 *
 * // Without jitter: retries 100, 200, 400, 800 ms after each failure; 5 executions at most.
 * const retry = exponentialBackoff({ initialMs: 100, factor: 2, maxMs: 10_000, jitter: "none", maxAttempts: 5 });
 *
 * // For a rate-limited API: keep trying for up to a minute, spread out between clients.
 * const patient = exponentialBackoff({ initialMs: 500, jitter: "full", maxAttempts: Infinity, maxElapsedMs: 60_000 });
 *
 * @throws WorkflowValidationError naming the option, e.g. for `factor` < 1, a negative
 *   `initialMs`, `initialMs` > `maxMs`, a `jitter` outside 0..1 or an unknown option.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryPolicy {
  const {
    maxMs = 30_000,
    initialMs = Math.min(100, maxMs),
    factor = 2,
    jitter = "equal",
    maxAttempts = 3,
    maxElapsedMs,
    random = Math.random,
  } = parseOptions("exponentialBackoff", schema, options, (o) =>
    o.initialMs !== undefined && o.initialMs > (o.maxMs ?? 30_000)
      ? [`initialMs (${o.initialMs}) must not be greater than maxMs (${o.maxMs ?? 30_000})`]
      : [],
  );
  const ratio =
    typeof jitter === "number"
      ? jitter
      : typeof jitter === "boolean"
        ? jitter
          ? JITTER_RATIOS.full
          : JITTER_RATIOS.none
        : JITTER_RATIOS[jitter];
  const backoff: RetryPolicy = {
    next: ({ attempt }) => {
      // Past the cap the power may overflow to Infinity; min() keeps the result at maxMs.
      const base = Math.min(maxMs, initialMs * factor ** (attempt - 1));
      if (ratio === 0) return base;
      const u = random();
      // A broken random source would yield a negative or oversized delay; say whose fault it is.
      if (!(u >= 0 && u <= 1)) {
        throw new WorkflowRuntimeError(
          `exponentialBackoff: random() returned ${String(u)}; it must return a number in [0, 1)`,
        );
      }
      return base * (1 - ratio * u);
    },
  };
  const timed = maxElapsedMs === undefined ? backoff : withMaxElapsed(maxElapsedMs, backoff);
  return limitAttempts(maxAttempts, timed);
}
