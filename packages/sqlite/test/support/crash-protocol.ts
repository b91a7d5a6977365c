// What the crash test's parent and its child processes (crash-child.ts) pass each other.

/** What the parent passes. */
export interface CrashChildOptions {
  /** The journal file. */
  readonly journal: string;
  /** The side-effect log: one JSON line per step execution (and per answer sent). */
  readonly effects: string;
  /** Where the last process writes every run's result and stream. */
  readonly final: string;
  /** This process's number (0 for the first). */
  readonly generation: number;
  /** How many runs (ids run-000 ...). */
  readonly runs: number;
  /** sqliteJournal's claimMs. */
  readonly claimMs: number;
  /** Epoch ms before which the dead owner's leases may still hold. */
  readonly notBefore: number;
}

/** A line of the side-effect log. */
export type EffectLine =
  | { g: number; r: string; s: string; i: string; a: number }
  | { g: number; r: string; answer: boolean };

/** The final file. */
export interface FinalFile {
  readonly runs: {
    runId: string;
    result: unknown;
    /** streamEvents({ from: 0 }) of the run's handler in the last process. */
    stream: string[];
    /** Whether the run was live in the last process (else resumed there, settled). */
    endedHere: boolean;
  }[];
}

/** The id of run n. */
export const runIdOf = (n: number): string => `run-${String(n).padStart(3, "0")}`;
