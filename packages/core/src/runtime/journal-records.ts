// The records core writes to a journal (one checkpoint per run per flush) and their fold.
import { JournalError } from "../errors.js";
import type { EventJSON } from "../event.js";
import type { JournalEntry } from "../journal.js";
import type { RunSnapshot } from "./snapshot.js";

/** The version of the record format this core writes and reads. */
export const RECORD_VERSION = 1;

/**
 * A run's state at a step boundary, and the stream events it released since the previous
 * checkpoint. The newest checkpoint is the run; earlier ones keep the stream for replay.
 */
export interface CheckpointRecord {
  readonly t: "checkpoint";
  readonly v: typeof RECORD_VERSION;
  readonly snapshot: RunSnapshot;
  readonly streamed: EventJSON[];
}

/** What a run's journal entries fold into: its newest state and its whole stream. */
export interface FoldedRun {
  readonly snapshot: RunSnapshot;
  readonly stream: EventJSON[];
  /** The seq the run's next entry takes. */
  readonly nextSeq: number;
}

/** Folds a run's entries (in seq order) into its state; throws JournalError for foreign data. */
export function foldJournal(runId: string, entries: readonly JournalEntry[]): FoldedRun {
  let snapshot: RunSnapshot | undefined;
  const stream: EventJSON[] = [];
  entries.forEach((entry, i) => {
    const record = entry.record as Partial<CheckpointRecord> | null;
    if (entry.seq !== i) {
      throw new JournalError(
        `Run ${runId}: journal entry ${i} has seq ${entry.seq}; the journal store returned entries out of order or with gaps`,
      );
    }
    if (record === null || typeof record !== "object" || record.t !== "checkpoint") {
      throw new JournalError(
        `Run ${runId}: journal entry ${i} is not an Eventloom record; was this journal written by something else?`,
      );
    }
    if (record.v !== RECORD_VERSION) {
      throw new JournalError(
        `Run ${runId}: journal entry ${i} has record version ${String(record.v)}; this @eventloom/core reads version ${RECORD_VERSION}: upgrade @eventloom/core to resume it`,
      );
    }
    if (Array.isArray(record.streamed)) stream.push(...record.streamed);
    snapshot = record.snapshot;
  });
  if (snapshot === undefined) {
    throw new JournalError(`Run ${runId}: its journal holds no checkpoint`);
  }
  return { snapshot, stream, nextSeq: entries.length };
}
