// One-shot timers of any length (step timeouts, retry delays, wait timeouts), cancellable.

/** The longest delay a platform timer takes (2^31−1 ms, ~24.8 days); longer ones fire at once. */
export const MAX_TIMER_DELAY = 2_147_483_647;

/** A started timer. */
export interface Timer {
  cancel(): void;
}

/**
 * Calls `fire` after `ms` milliseconds unless cancelled first. A delay longer than the platform
 * allows (Node clamps it to 1 ms with a warning) is waited out in chunks: the timer fires only
 * once the whole delay has passed. `setTimeout` is looked up on `globalThis` at each use, called
 * as its method (browsers throw "Illegal invocation" for a detached call), and so a test's fake
 * timers drive it.
 */
export function startTimer(ms: number, fire: () => void): Timer {
  return new ChunkedTimer(ms, fire);
}

class ChunkedTimer implements Timer {
  private handle: ReturnType<typeof setTimeout> | undefined = undefined;
  private remaining: number;

  constructor(
    ms: number,
    private readonly fire: () => void,
  ) {
    this.remaining = ms;
    this.arm();
  }

  private arm(): void {
    const chunk = Math.min(this.remaining, MAX_TIMER_DELAY);
    this.remaining -= chunk;
    this.handle = globalThis.setTimeout(this.onTimer, chunk);
  }

  private readonly onTimer = (): void => {
    if (this.remaining > 0) {
      this.arm();
      return;
    }
    this.handle = undefined;
    this.fire();
  };

  cancel(): void {
    if (this.handle !== undefined) globalThis.clearTimeout(this.handle);
    this.handle = undefined;
  }
}
