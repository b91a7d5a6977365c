// Entries for tests: a run's header at seq 0, then steps.
import type { JournalEntry, JournalRunStatus } from "@eventloom/core";

/** Entry `seq` of `runId`: seq 0 names the workflow and sets "running". */
export function entry(
  runId: string,
  seq: number,
  options: { at?: number; workflow?: string; status?: JournalRunStatus; record?: unknown } = {},
): JournalEntry {
  const { at = 1_000 + seq, workflow = "Orders", status, record = { step: seq, runId } } = options;
  return {
    runId,
    seq,
    at,
    ...(seq === 0 ? { workflow } : {}),
    ...(status !== undefined ? { status } : seq === 0 ? { status: "running" as const } : {}),
    record,
  };
}

/** Entries `from` .. `to - 1` of `runId`. */
export function entries(runId: string, from: number, to: number): JournalEntry[] {
  return Array.from({ length: to - from }, (_, i) => entry(runId, from + i));
}

/** The record of stream entry `seq` of `runId` (journal-child's append-stream writes these). */
export function streamRecord(runId: string, seq: number): unknown {
  return { runId, seq, pad: "x".repeat(200) };
}
