/**
 * Repetitions, interleaving and timing, shared by every scenario: the engine scenarios in
 * `run.ts` and the durable, HTTP, NATS and cold ones in their folders.
 */
import { type Row, measured } from "./report.js";
import type { EngineName, Sizes } from "./scenarios.js";

/** Anything measured side by side: an engine, or one side of a service scenario. */
export interface Side {
  readonly name: EngineName;
}

/** One timed execution of a workload; throws if the returned count is not the expected one. */
export async function timed(
  what: string,
  expected: number,
  work: () => Promise<number>,
): Promise<number> {
  const t0 = performance.now();
  const count = await work();
  const ms = performance.now() - t0;
  if (count !== expected) throw new Error(`${what}: expected count ${expected}, got ${count}`);
  return ms;
}

/** A side whose single run takes longer than this gets fewer repetitions (see `sample`). */
const SLOW_RUN_MS = 5_000;
const SLOW_REPS = 3;

/**
 * Runs `work` for each side: warm-ups, then the measured repetitions interleaved across sides
 * (so load from other processes spreads evenly). Returns the samples per side. A side whose
 * warm-up run takes more than 5 s (the peer's quadratic loop and stream) is warm after it and
 * gets 3 measured repetitions instead of 5, to keep the suite in minutes.
 */
export async function sample<S extends Side>(
  sizes: Pick<Sizes, "reps" | "warmups">,
  sides: readonly S[],
  work: (side: S, warmUp: boolean) => Promise<number>,
): Promise<Map<EngineName, number[]>> {
  const slow = new Set<EngineName>();
  for (const side of sides) {
    for (let w = 0; w < sizes.warmups && !slow.has(side.name); w++) {
      const t0 = performance.now();
      await work(side, true);
      if (performance.now() - t0 > SLOW_RUN_MS) slow.add(side.name);
    }
  }
  const out = new Map<EngineName, number[]>(sides.map((e) => [e.name, []]));
  for (let r = 0; r < sizes.reps; r++) {
    // Alternate the order (floor then Eventloom, then the other way round), so neither side
    // always runs in the other's wake (its garbage, a machine speeding up or slowing down).
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
      if (slow.has(side.name) && r >= SLOW_REPS) continue;
      out.get(side.name)!.push(await work(side, false));
    }
  }
  return out;
}

/** Samples in ms turned into a cost per unit of work, in ns. */
export function perUnit(samples: Map<EngineName, number[]>, units: number): Row["values"] {
  const values: Row["values"] = {};
  for (const [name, ms] of samples) values[name] = measured(ms.map((m) => (m * 1e6) / units));
  return values;
}

/** Samples shown as they are (ms, bytes or ratios). */
export function asIs(samples: Map<EngineName, number[]>): Row["values"] {
  const values: Row["values"] = {};
  for (const [name, xs] of samples) values[name] = measured(xs);
  return values;
}
