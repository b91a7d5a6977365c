// Refused claim renewals: how a closing worker stops a journaled run here without writing an
// end to the journal, where core's handler has no detach(). The journal's claim() answers false
// for a vetoed run, so core stops the run within a third of a claim and releases it.
import type { Journal } from "@eventloom/core";

const vetoes = new WeakMap<Journal, Set<string>>();

/** From now on the journal refuses claims of `runId` (wrapping its claim() once). */
export function vetoClaims(journal: Journal, runId: string): void {
  let set = vetoes.get(journal);
  if (set === undefined) {
    const vetoed = new Set<string>();
    const claim = journal.claim.bind(journal);
    journal.claim = (id, owner, ms) =>
      vetoed.has(id) ? Promise.resolve(false) : claim(id, owner, ms);
    vetoes.set(journal, (set = vetoed));
  }
  set.add(runId);
}

/** Claims of `runId` are granted again (the run has stopped here). */
export function releaseVeto(journal: Journal, runId: string): void {
  vetoes.get(journal)?.delete(runId);
}
