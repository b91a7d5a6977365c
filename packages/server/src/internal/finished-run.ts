// A run that has ended, as the server keeps it: its outcome, recorded stream and what its snapshot
// needs, without its handler (the run's machinery, RxJS subjects and step views go at settle).
import type { EventJSON, JournalRunStatus, RunSnapshot } from "@eventloom/core";
import type { RunErrorInfo, RunInfo } from "../run-info.js";
import type { StepCounts, StepsSummary } from "../steps-summary.js";
import type { LiveRun } from "./live-run.js";
import type { ServedWorkflow } from "./served-workflow.js";

/** Already settled: what `settled` of every finished run is. */
const SETTLED: Promise<void> = Promise.resolve();

/**
 * A finished run: what every route answers for it, and nothing more. Keeping the whole
 * `WorkflowHandler` of each retained run cost several µs of garbage collection per run under
 * load (`retainRuns` of them survive into the old generation); this is a handful of objects.
 */
export class FinishedRun {
  readonly runId: string;
  readonly status: JournalRunStatus;
  readonly result: unknown;
  readonly error: RunErrorInfo | undefined;
  /** The whole stream; the index is the SSE `id`. */
  readonly events: readonly EventJSON[];
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly traceId: string | undefined;
  /** Each step's invocations when the run settled (shared with runs that ended alike). */
  readonly steps: readonly StepCounts[];
  readonly served: ServedWorkflow;
  /** `GET /runs/:id/snapshot`: the run's snapshot, taken from what core keeps of a settled run. */
  readonly snapshot: () => Promise<RunSnapshot>;

  /** `run` once it is done; `steps` its step counts then. */
  constructor(run: LiveRun, steps: readonly StepCounts[]) {
    this.served = run.served;
    this.runId = run.runId;
    this.status = run.status;
    this.result = run.result;
    this.error = run.error;
    this.events = run.events;
    this.startedAt = run.startedAt;
    this.updatedAt = run.updatedAt;
    this.traceId = run.traceId;
    this.steps = steps;
    // Made when the run has settled, so core always has its settled snapshot.
    this.snapshot = run.handler.settledSnapshot()!;
  }

  /** The whole stream is in `events`. */
  get done(): true {
    return true;
  }

  /** Settled already (routes that wait for a run's end do not wait for this one). */
  get settled(): Promise<void> {
    return SETTLED;
  }

  /** `GET /runs/:id/steps`: nothing runs or waits any more. */
  stepsSummary(): StepsSummary {
    return { runId: this.runId, status: this.status, steps: this.steps, waiting: [] };
  }

  info(): RunInfo {
    return {
      runId: this.runId,
      workflow: this.served.name,
      status: this.status,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
    };
  }

  /** Nothing more will happen: a stream reading it sends what is recorded and ends. */
  subscribe(_listener: () => void): () => void {
    return noop;
  }
}

function noop(): void {}
