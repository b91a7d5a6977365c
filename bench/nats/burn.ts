/**
 * The CPU-bound workload of the NATS scaling row: a workflow whose every step hashes for about
 * 2 ms (FNV-1a over a 4 KiB buffer, a calibrated number of times), `steps` steps per run.
 * Hashing in JavaScript, not with node:crypto: on these machines two processes running
 * createHash("sha256") in a loop get through less than one does alone (0.9x: the two vCPUs
 * share what OpenSSL's sha256 uses), while two running this loop get through 1.9x.
 */
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowOptions,
  step,
} from "@eventloom/core";
import { z } from "zod";

const BLOCK = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7) & 0xff);

/** FNV-1a over a 4 KiB block, `iterations` times: CPU time, nothing else. */
export function burn(iterations: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < iterations; k++) {
    for (let i = 0; i < BLOCK.length; i++) h = Math.imul(h ^ BLOCK[i]!, 0x01000193);
  }
  return h >>> 0;
}

/** How many iterations of {@link burn} take about `ms` here (the fastest of a few tries). */
export function calibrate(ms: number): number {
  const probe = 500;
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    burn(probe);
    best = Math.min(best, performance.now() - t0);
  }
  return Math.max(1, Math.round((probe * ms) / best));
}

export class BurnStart extends StartEvent.define({ i: z.number(), steps: z.number() }) {
  static override typeName = "BurnStart";
}
export class BurnNext extends Event.define({ i: z.number(), steps: z.number(), k: z.number() }) {
  static override typeName = "BurnNext";
}

/** `steps` steps of `iterations` hashes each; the result is the start's `i` plus `steps`. */
export class BurnWorkflow extends Workflow {
  static override workflowName = "BurnWorkflow";
  constructor(
    options: WorkflowOptions,
    readonly iterations: number,
  ) {
    super(options);
  }

  burn = step(
    { accepts: [BurnStart, BurnNext], emits: [BurnNext, StopEvent] },
    async (ev: BurnStart | BurnNext) => {
      burn(this.iterations);
      // Then a turn of the event loop, as a step journaled to a database gets at its boundary:
      // on memoryJournal() nothing else yields, so a worker would not reach its socket (to pull
      // more runs, to publish) until every run it holds had finished.
      await new Promise((resolve) => globalThis.setImmediate(resolve));
      const k = ev instanceof BurnNext ? ev.k + 1 : 1;
      return k >= ev.steps
        ? new StopEvent({ result: ev.i + ev.steps })
        : new BurnNext({ i: ev.i, steps: ev.steps, k });
    },
  );
}
