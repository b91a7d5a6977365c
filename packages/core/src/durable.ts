// Reading a journaled run back: claiming it, folding its entries, reviving its snapshot.
import { RunNotFoundError, RunOwnedError, WorkflowRuntimeError } from "./errors.js";
import type { Event, EventJSON } from "./event.js";
import type { WorkflowPlan } from "./internal/plan.js";
import type { Journal } from "./journal.js";
import { foldJournal } from "./runtime/journal-records.js";
import { writerFor } from "./runtime/journal-writer.js";
import { type RevivedSnapshot, reviveSnapshot } from "./runtime/restore.js";

/** A journaled run, read back and claimed by this process. */
export interface LoadedRun {
  readonly revived: RevivedSnapshot;
  readonly seq: number;
}

/** The journal a durable call needs, or a clear error saying how to give one. */
export function journalOf(journal: Journal | undefined, workflow: string, call: string): Journal {
  if (journal === undefined) {
    throw new WorkflowRuntimeError(
      `${workflow}.${call} needs a journal: create the workflow with one, e.g. new ${workflow}({ journal: sqliteJournal({ path: "runs.db" }) }) from @eventloom/sqlite`,
    );
  }
  return journal;
}

/**
 * Claims a run for this process and reads it back from the journal: RunOwnedError while
 * another live process holds it, RunNotFoundError for an id the journal does not have. The
 * claim is released again when reading fails.
 */
export async function loadRun(
  plan: WorkflowPlan,
  journal: Journal,
  runId: string,
  revive: (json: EventJSON) => Event,
): Promise<LoadedRun> {
  const writer = writerFor(journal);
  if (writer.live.has(runId)) throw new RunOwnedError(runId, " (in this very process)");
  if (!(await journal.claim(runId, writer.owner, writer.claimMs))) throw new RunOwnedError(runId);
  try {
    const entries = await journal.read(runId);
    if (entries.length === 0) throw new RunNotFoundError(runId, "the journal");
    const folded = foldJournal(runId, entries);
    return { revived: reviveSnapshot(plan, folded.snapshot, revive), seq: folded.nextSeq };
  } catch (error) {
    await journal.release(runId, writer.owner).catch(() => {});
    throw error;
  }
}

/**
 * Claims and reads back every unfinished run of a workflow that no live owner holds (`recover()`),
 * newest first; a run another process takes in the meantime is that one's to drive.
 */
export async function loadOrphans(
  plan: WorkflowPlan,
  journal: Journal,
  revive: (json: EventJSON) => Event,
): Promise<{ readonly runId: string; readonly loaded: LoadedRun }[]> {
  const found: { runId: string; loaded: LoadedRun }[] = [];
  for (const runId of await orphanedRuns(journal, plan.workflowName)) {
    let loaded: LoadedRun;
    try {
      loaded = await loadRun(plan, journal, runId, revive);
    } catch (error) {
      if (!(error instanceof RunOwnedError)) throw error;
      continue;
    }
    // Listed while running, but it ended before it was claimed (here or elsewhere): nothing to
    // recover.
    if (loaded.revived.status !== "running") {
      await journal.release(runId, writerFor(journal).owner).catch(() => {});
      continue;
    }
    found.push({ runId, loaded });
  }
  return found;
}

/** The ids of a workflow's unfinished runs that no live owner holds, newest first. */
export async function orphanedRuns(journal: Journal, workflow: string): Promise<string[]> {
  const writer = writerFor(journal);
  const runs = await journal.listRuns({ workflow, status: "running" });
  return runs.map((r) => r.runId).filter((id) => !writer.live.has(id));
}

/** A journaled run live in this process: sends to it resolve once durable. */
export interface LiveRun {
  send(event: Event, step: string | undefined): Promise<void>;
}

/** The live journaled run of that id in this process, if there is one. */
export function liveRun(journal: Journal, runId: string): LiveRun | undefined {
  return writerFor(journal).live.get(runId) as LiveRun | undefined;
}
