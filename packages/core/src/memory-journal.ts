// memoryJournal(): the in-memory reference implementation of the Journal contract.
import { JournalConflictError, JournalError } from "./errors.js";
import type {
  Journal,
  JournalEntry,
  JournalRunFilter,
  JournalRunInfo,
  JournalRunStatus,
} from "./journal.js";

interface StoredRun {
  readonly entries: JournalEntry[];
  workflow: string;
  status: JournalRunStatus;
}

/**
 * A journal that lives in this process's memory: what the contract means, for tests and for
 * runs that should survive a `cancel()` and `resume(runId)` but not the process. Entries are
 * copied through JSON on the way in and out, as a real store would, so a caller that mutates
 * what it appended or read changes nothing stored.
 *
 * @example
 * const journal = memoryJournal();
 * const wf = new OrderWorkflow({ journal });
 */
export function memoryJournal(): Journal {
  const runs = new Map<string, StoredRun>();
  // Claims live apart from the runs: a run may be claimed before its first entry is written.
  const claims = new Map<string, { owner: string; until: number }>();
  let closed = false;
  const open = (what: string): void => {
    if (closed) throw new JournalError(`memoryJournal: ${what} after close()`);
  };

  return {
    append(entries) {
      try {
        open("append");
        // Check the whole batch first: an append is all or nothing.
        const next = new Map<string, number>();
        for (const e of entries) {
          const expected = next.get(e.runId) ?? runs.get(e.runId)?.entries.length ?? 0;
          if (e.seq !== expected) {
            throw new JournalConflictError(
              e.runId,
              e.seq,
              e.seq < expected ? "that entry is already stored" : `the next entry is ${expected}`,
            );
          }
          if (expected === 0 && typeof e.workflow !== "string") {
            throw new JournalError(
              `memoryJournal: the first entry of run ${e.runId} must name its workflow`,
            );
          }
          next.set(e.runId, expected + 1);
        }
        for (const e of entries) {
          const copy = JSON.parse(JSON.stringify(e)) as JournalEntry;
          let run = runs.get(e.runId);
          if (run === undefined) {
            run = { entries: [], workflow: e.workflow!, status: "running" };
            runs.set(e.runId, run);
          }
          run.entries.push(copy);
          if (e.status !== undefined) run.status = e.status;
        }
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },

    read(runId) {
      try {
        open("read");
        const run = runs.get(runId);
        return Promise.resolve(
          run === undefined ? [] : (JSON.parse(JSON.stringify(run.entries)) as JournalEntry[]),
        );
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },

    listRuns(filter?: JournalRunFilter) {
      try {
        open("listRuns");
        const out: JournalRunInfo[] = [];
        for (const [runId, run] of runs) {
          if (filter?.workflow !== undefined && run.workflow !== filter.workflow) continue;
          if (filter?.status !== undefined && run.status !== filter.status) continue;
          out.push({
            runId,
            workflow: run.workflow,
            status: run.status,
            startedAt: run.entries[0]!.at,
            updatedAt: run.entries[run.entries.length - 1]!.at,
          });
        }
        out.sort((a, b) =>
          a.startedAt !== b.startedAt
            ? b.startedAt - a.startedAt
            : a.runId < b.runId
              ? 1
              : a.runId > b.runId
                ? -1
                : 0,
        );
        return Promise.resolve(out);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },

    claim(runId, owner, ms) {
      try {
        open("claim");
        const now = Date.now();
        const held = claims.get(runId);
        if (held !== undefined && held.owner !== owner && held.until > now) {
          return Promise.resolve(false);
        }
        claims.set(runId, { owner, until: now + ms });
        return Promise.resolve(true);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },

    release(runId, owner) {
      try {
        open("release");
        if (claims.get(runId)?.owner === owner) claims.delete(runId);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },

    close() {
      closed = true;
      runs.clear();
      claims.clear();
      return Promise.resolve();
    },
  };
}
