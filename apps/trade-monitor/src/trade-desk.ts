import { seededRandom } from "./seeded-random.js";

/**
 * The trading robot's outside world: a random source for the simulated market, and a clock for
 * the simulated I/O. The article's sleeps (3 s between cycles, 1-3 s per sentiment source, 0.5 s
 * per order) are divided by `speedUp`, so a demo takes about a second and a test run much less.
 */
export interface TradeDesk {
  /** A number in [0, 1), like `Math.random` (the article's `random.random()`). */
  readonly random: () => number;
  /** Waits the article's `ms`, divided by the desk's speed-up. */
  readonly sleep: (ms: number) => Promise<void>;
}

/** Options of {@link createDesk}. */
export interface DeskOptions {
  /** Seed of the random source; the same seed makes the same decisions. */
  readonly seed: number;
  /** The article's sleeps are divided by this (1 = real time). */
  readonly speedUp: number;
}

export function createDesk({ seed, speedUp }: DeskOptions): TradeDesk {
  return {
    random: seededRandom(seed),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms / speedUp)),
  };
}

/** A sentiment as the article spells it. */
export type Sentiment = "Bullish" | "Bearish";

/** The article's `random.random() < 0.3`: 30% of the time the news is bearish. */
export function drawSentiment(random: () => number): Sentiment {
  return random() < 0.3 ? "Bearish" : "Bullish";
}

/** The article's `random.randint(1, 3)` seconds, in ms. */
export function drawOneToThreeSeconds(random: () => number): number {
  return 1000 * (1 + Math.floor(random() * 3));
}
