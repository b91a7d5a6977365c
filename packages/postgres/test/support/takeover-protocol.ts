// What the takeover test's parent and its worker processes (takeover-worker.ts) pass each other.

/** What the parent passes a worker (argv[2], as JSON). */
export interface WorkerOptions {
  readonly url: string;
  readonly schema: string;
  /** postgresJournal's claimMs. */
  readonly claimMs: number;
  /** This worker's name ("a" or "b"), written in its side-effect lines. */
  readonly worker: string;
  /** The run numbers this worker starts. */
  readonly runs: readonly number[];
  /** Every run number of the round (the survivor reports them all). */
  readonly all: readonly number[];
  /** The round, part of each run id. */
  readonly round: number;
  /** This worker's side-effect log: one JSON line per step execution. */
  readonly effects: string;
  /** Where the survivor writes every run's result and stream. */
  readonly final: string;
}

/** A line of a side-effect log. */
export interface EffectLine {
  /** The worker. */
  readonly w: string;
  readonly r: string;
  readonly s: string;
  /** ctx.invocationId. */
  readonly i: string;
  /** ctx.retry.attempt. */
  readonly a: number;
}

/** The final file. */
export interface FinalFile {
  readonly runs: {
    runId: string;
    result: unknown;
    /** streamEvents({ from: 0 }) of the run's handler in the survivor. */
    stream: string[];
  }[];
  /** Runs the survivor's recover() took over, and how many recover() calls that needed. */
  readonly recovered: number;
  readonly recoverCalls: number;
  /** The peer's runs it had not started (no header journaled) when it died: started here. */
  readonly adopted: number;
  /** Starts of such runs refused with RunOwnedError (the peer had claimed them) and tried again. */
  readonly ownedRetries: number;
}

/** The id of run n of a round. */
export const runIdOf = (round: number, n: number): string =>
  `r${round}-run-${String(n).padStart(3, "0")}`;
