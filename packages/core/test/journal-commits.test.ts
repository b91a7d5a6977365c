// How many commits a durable run costs: on a store that commits one tick's calls together
// (commitsTickTogether, as sqliteJournal), a new run's claim goes with its header and its
// release with its last entry; otherwise each waits for the one before.
import { expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  type Journal,
  StartEvent,
  StopEvent,
  Workflow,
  memoryJournal,
  step,
} from "../src/index.js";

class Half extends Event.define({ n: z.number() }, { name: "Half" }) {}
class Twice extends Event.define({ n: z.number() }, { name: "Twice" }) {}

class Chain extends Workflow {
  a = step({ accepts: [StartEvent], emits: [Half] }, (ev) => new Half({ n: Number(ev["n"]) }));
  b = step({ accepts: [Half], emits: [Twice] }, (ev) => new Twice({ n: ev.n * 2 }));
  c = step({ accepts: [Twice], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.n }));
}

/** memoryJournal, recording each call in the group of calls made in one tick (one commit). */
function recording(together: boolean): { journal: Journal; commits: string[][] } {
  const inner = memoryJournal();
  const commits: string[][] = [];
  let open: string[] | undefined;
  const note = (call: string): void => {
    if (open === undefined) {
      commits.push((open = []));
      queueMicrotask(() => (open = undefined));
    }
    open.push(call);
  };
  const journal: Journal = {
    append: (entries) => {
      for (const e of entries)
        note(`append ${e.seq}${e.status === undefined ? "" : ` ${e.status}`}`);
      return inner.append(entries);
    },
    read: (id) => inner.read(id),
    listRuns: (f) => inner.listRuns(f),
    claim: (id, owner, ms) => (note("claim"), inner.claim(id, owner, ms)),
    release: (id, owner) => (note("release"), inner.release(id, owner)),
    close: () => inner.close(),
    commitsTickTogether: together,
  };
  return { journal, commits };
}

it("claims a new run with its header and releases it with its last entry: 4 commits for 3 steps", async () => {
  const { journal, commits } = recording(true);
  expect(await new Chain({ journal }).run({ n: 4 })).toBe(8);
  expect(commits).toEqual([
    ["claim", "append 0 running"],
    ["append 1"],
    ["append 2"],
    ["append 3 completed", "release"],
  ]);
  expect(await journal.claim((await journal.listRuns())[0]!.runId, "another", 1_000)).toBe(true);
});

it("waits for the claim of a run whose id the user chose, since another owner may hold it", async () => {
  const { journal, commits } = recording(true);
  expect(await new Chain({ journal }).run({ n: 4 }, { runId: "order-7" })).toBe(8);
  expect(commits[0]).toEqual(["claim"]);
  expect(commits[1]).toEqual(["append 0 running"]);
  expect(commits.at(-1)).toEqual(["append 3 completed", "release"]);
});

it("on a store that commits each call alone, claims before the header and releases after the end: 6 commits", async () => {
  const { journal, commits } = recording(false);
  expect(await new Chain({ journal }).run({ n: 4 })).toBe(8);
  expect(commits).toEqual([
    ["claim"],
    ["append 0 running"],
    ["append 1"],
    ["append 2"],
    ["append 3 completed"],
    ["release"],
  ]);
});
