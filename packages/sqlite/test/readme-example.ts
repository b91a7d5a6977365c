import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { sqliteJournal } from "@eventloom/sqlite";
import { z } from "zod";

class CheckoutStart extends StartEvent.define({ orderId: z.string() }) {}
class Reserved extends Event.define({ orderId: z.string() }, { name: "Reserved" }) {}

class Checkout extends Workflow {
  static override workflowName = "Checkout";
  reserve = step({ accepts: [CheckoutStart], emits: [Reserved] }, (ev) => {
    return new Reserved({ orderId: ev.orderId });
  });
  charge = step({ accepts: [Reserved], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: `${ev.orderId} charged` });
  });
}

// In an app: sqliteJournal({ path: ".eventloom/runs.db" }). Here: a temp folder.
const dir = mkdtempSync(join(tmpdir(), "eventloom-readme-"));
const path = join(dir, "runs.db");

const journal = sqliteJournal({ path });
const handler = new Checkout({ journal }).run({ orderId: "o-1" });
console.log(await handler); // "o-1 charged": each step's outcome was durable before the next ran
const [run] = await journal.listRuns({ workflow: "Checkout" });
console.log(run?.runId === handler.runId, run?.status); // true "completed"
await journal.close();

// A new process (or the same one after a crash) opens the same file: the runs are there, and
// recover() resumes every unfinished one (none here).
const reopened = sqliteJournal({ path });
console.log((await reopened.read(handler.runId)).length > 0); // true
console.log((await new Checkout({ journal: reopened }).recover()).length); // 0
await reopened.close();
rmSync(dir, { recursive: true });
