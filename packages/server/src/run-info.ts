import type { JournalRunStatus } from "@eventloom/core";

/** A run as `GET /runs` lists it. */
export interface RunInfo {
  readonly runId: string;
  /** The workflow's key in `createServer({ workflows })`. */
  readonly workflow: string;
  readonly status: JournalRunStatus;
  readonly startedAt: number;
  readonly updatedAt: number;
}

/** How a run that did not complete ended: the error's `code` (or its name) and message. */
export interface RunErrorInfo {
  readonly code: string;
  readonly message: string;
}
