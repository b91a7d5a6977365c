/**
 * The CPU-bound workload of the NATS scaling row: a workflow whose every step hashes for about
 * 2 ms (sha256 over its own digest, a calibrated number of times), `steps` steps per run.
 */
import { createHash } from "node:crypto";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowOptions,
  step,
} from "@eventloom/core";
import { z } from "zod";

/** sha256 applied `iterations` times to its own digest: CPU time, nothing else. */
export function burn(iterations: number): number {
  let digest = Buffer.alloc(32, 1);
  for (let k = 0; k < iterations; k++) digest = createHash("sha256").update(digest).digest();
  return digest[0]!;
}

/** How many iterations of {@link burn} take about `ms` here (the fastest of a few tries). */
export function calibrate(ms: number): number {
  const probe = 2_000;
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
      const k = ev instanceof BurnNext ? ev.k + 1 : 1;
      return k >= ev.steps
        ? new StopEvent({ result: ev.i + ev.steps })
        : new BurnNext({ i: ev.i, steps: ev.steps, k });
    },
  );
}
