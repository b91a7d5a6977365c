// Found by the crash test: `workflow.resume(runId)` of a run that had ended (in an earlier
// process, here another journal object on the file) gave a settled handler with the right
// result, but `streamEvents({ from: 0 })` asked of it at once yielded the StopEvent alone: the
// journaled stream before it was skipped (asked after `await handler`, the replay was whole).
// Run.streamFrom read `streamDelivered` before the resumed run was loaded. Core's working tree
// fixes it (streamFrom awaits the load; not committed when this test was written): this is its
// regression test from the journal's side.
import { expect, it } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { Answer, Ask, crashWorkflow, labelOf } from "./support/crash-workflow.js";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();

it("resume(runId) of an ended run replays its whole stream from 0, asked for at once", async () => {
  const path = temp.path();
  const first = sqliteJournal({ path });
  const h = crashWorkflow(first, () => {}).run({ n: 1 }, { runId: "r1" });
  for await (const ev of h.streamEvents())
    if (ev instanceof Ask) h.sendEvent(new Answer({ ok: true }));
  expect(await h).toEqual({ n: 1, branch: "odd", sum: 21, ok: true });
  await first.close();

  const again = crashWorkflow(temp.open({ path }), () => {}).resume("r1");
  const labels: string[] = [];
  for await (const ev of again.streamEvents({ from: 0 })) labels.push(labelOf(ev));
  expect(await again).toEqual({ n: 1, branch: "odd", sum: 21, ok: true });
  expect(labels).toHaveLength(8); // begin, odd, work 0/1, gathered, Ask, approved, StopEvent
});
