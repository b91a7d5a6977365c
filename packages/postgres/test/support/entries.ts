// Journal entries for tests: a run's header and its next entries.
import type { JournalEntry, JournalRunStatus } from "@eventloom/core";

/** Entry `seq` of `runId` (seq 0 names the workflow and sets status "running"). */
export function entry(
  runId: string,
  seq: number,
  extra: { record?: unknown; at?: number; status?: JournalRunStatus; workflow?: string } = {},
): JournalEntry {
  return {
    runId,
    seq,
    at: extra.at ?? 1_700_000_000_000 + seq,
    ...(seq === 0
      ? { workflow: extra.workflow ?? "OrderWorkflow", status: "running" as const }
      : {}),
    ...(extra.status === undefined ? {} : { status: extra.status }),
    record: extra.record ?? { kind: seq === 0 ? "header" : "step", seq },
  };
}

/** Entries `from` … `to - 1` of `runId`. */
export function entries(runId: string, from: number, to: number): JournalEntry[] {
  return Array.from({ length: to - from }, (_, i) => entry(runId, from + i));
}
