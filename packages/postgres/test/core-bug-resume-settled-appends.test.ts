// Found by the takeover test, fixed in core: `workflow.resume(runId)` of a run that had ended (here in another
// process: another journal object on the schema) gives a settled handler with the right result,
// but it also appends a checkpoint to the run's journal: a second "completed" record, with
// nothing streamed, and the run's updatedAt moves. Looking at a finished run writes to the
// journal and takes its claim, so each look grows the journal and a reader of the journal sees
// the run complete twice. Core's Run.finish() journals the end of every run it settles, a run
// restored settled too (runtime/run.ts: finish -> journal.changed()). Now a run read back ended
// settles without a journal to write to.
import { StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { expect, it } from "vitest";
import { z } from "zod";
import { usePostgres } from "./support/postgres.js";

const db = usePostgres();

class Begin extends StartEvent.define({ n: z.number() }) {
  static override typeName = "Begin";
}
class Doubler extends Workflow {
  static override workflowName = "Doubler";
  double = step(
    { accepts: [Begin], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev.n * 2 }),
  );
}

it("resume(runId) of an ended run reads it without appending to its journal", async () => {
  const schema = db.schema();
  const first = db.journal({ schema });
  expect(await new Doubler({ journal: first }).run({ n: 21 }, { runId: "r1" })).toBe(42);
  const before = await first.read("r1");
  const [listed] = await first.listRuns();

  const other = db.journal({ schema }); // another process's journal on the same schema
  expect(await new Doubler({ journal: other }).resume("r1")).toBe(42);

  const after = await other.read("r1");
  expect(after.filter((e) => e.status === "completed")).toHaveLength(1);
  expect(after).toHaveLength(before.length);
  expect((await other.listRuns())[0]!.updatedAt).toBe(listed!.updatedAt);
});
