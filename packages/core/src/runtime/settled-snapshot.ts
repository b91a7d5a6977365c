// A settled run's snapshot, taken later from the few parts of its state a snapshot reads.
import { type RunSnapshot, errorJSON } from "./snapshot.js";
import type { RunState } from "./run-state.js";
import { RunStore } from "./run-store.js";
import { type SnapshotSource, takeSnapshot } from "./take-snapshot.js";

/**
 * What a settled run keeps for its snapshot: references to the parts `takeSnapshot` reads (most
 * are empty once a run has ended), not the run. Whoever keeps many finished runs (a server's
 * registry) keeps this and lets the handler, its streams and its step views go.
 */
export function settledSnapshotOf(run: RunState): () => RunSnapshot {
  // Attempts cut short by the end (their views hold the run): rare, so taken now, once.
  if (run.running !== undefined) {
    const taken = takeSnapshot(run, run.outcome);
    return () => structuredClone(taken);
  }
  const plan = run.settings.plan;
  const stored = run.storeInstance;
  const source: SnapshotSource = {
    settings: run.settings,
    // A run that never touched its store has none: its snapshot shows the schema's defaults.
    get store() {
      return stored ?? new RunStore(plan.stateSchema, plan.workflowName);
    },
    pools: run.pools,
    waiters: run.waiters,
    running: undefined,
    fanIn: run.fanIn,
    waitBuffer: run.waitBuffer,
    status: run.status,
    runId: run.runId,
    startEvent: run.startEvent,
    started: run.started,
    stepwise: run.stepwise,
    pending: run.pending,
    inbound: run.inbound,
    streamWritten: run.streamWritten,
    invocations: run.invocations,
    // An Error keeps what its stack was captured over (the run's frames) until its stack is
    // read: only its JSON is kept.
    failure: undefined,
  };
  const failure = run.status === "completed" ? undefined : errorJSON(run.failure);
  const result = run.outcome;
  return () => takeSnapshot(source, result, failure);
}
