// One process of the crash test, run with
//   node --conditions=@eventloom/source --import tsx crash-child.ts <options as JSON>
// It recovers every unfinished run of the journal, starts the runs the journal does not have
// yet, answers each run's question, and, once every run has ended, writes each run's result and
// whole stream (`streamEvents({ from: 0 })`) to the final file. The parent kills it with
// SIGKILL at points it picks from the progress lines this process prints:
//   c <n>                          a journal append of n entries has resolved (is durable)
//   e                              a step execution has begun (its side effect is logged)
//   s <runId> <index> <label>      a stream event, as this process's consumer of the run saw it
//   started <recovered> <new>      recovery done
//   finished                       the final file is written
import { closeSync, openSync, writeSync } from "node:fs";
import type { Journal, WorkflowHandler } from "@eventloom/core";
import { sqliteJournal } from "@eventloom/sqlite";
import { Answer, Ask, answerOf, answered, crashWorkflow, labelOf } from "./crash-workflow.js";
import {
  type CrashChildOptions,
  type EffectLine,
  type FinalFile,
  runIdOf,
} from "./crash-protocol.js";

const options = JSON.parse(process.argv[2] ?? "") as CrashChildOptions;
const print = (line: string): void => void process.stdout.write(`${line}\n`);

// Every step execution is appended before the step does anything else. A write(2) that has
// returned survives SIGKILL (it is in the kernel's page cache), so no fsync is needed for what
// this test proves; a power cut is another matter (and the journal's synchronous=normal, too).
const effects = openSync(options.effects, "a");
function append(line: EffectLine): void {
  writeSync(effects, `${JSON.stringify(line)}\n`);
}

// The dead owner's claims lapse claimMs after its last renewal, which was before it died.
const wait = options.notBefore - Date.now();
if (wait > 0) await new Promise((resolve) => globalThis.setTimeout(resolve, wait));

const sqlite = sqliteJournal({ path: options.journal, claimMs: options.claimMs });
// The same journal, telling the parent when each append is durable.
const journal: Journal = {
  append: async (entries) => {
    await sqlite.append(entries);
    print(`c ${entries.length}`);
  },
  read: (runId) => sqlite.read(runId),
  listRuns: (filter) => sqlite.listRuns(filter),
  claim: (runId, owner, ms) => sqlite.claim(runId, owner, ms),
  release: (runId, owner) => sqlite.release(runId, owner),
  close: () => sqlite.close(),
};
const g = options.generation;
const wf = crashWorkflow(journal, (ctx, step) => {
  append({ g, r: ctx.runId, s: step, i: ctx.invocationId, a: ctx.retry.attempt });
  print("e");
});

type Handler = WorkflowHandler<unknown>;
const handlers = new Map<string, Handler>();
for (const h of (await wf.recover()) as Handler[]) handlers.set(h.runId, h);
const recovered = handlers.size;
const known = new Map((await journal.listRuns()).map((r) => [r.runId, r.status]));
for (const [runId, status] of known) {
  if (status === "running" && !handlers.has(runId))
    throw new Error(`${runId} is unfinished but recover() did not take it: its lease still holds`);
}
// The runs the journal does not have yet start as others end: at most WINDOW live at once, so
// that at any moment runs are at every step (200 runs started together move in lockstep).
const WINDOW = 40;
const todo: number[] = [];
for (let n = 0; n < options.runs; n++) if (!known.has(runIdOf(n))) todo.push(n);
print(`started ${recovered} ${todo.length}`);

// The human answers questions in batches of up to 5 (all that are left at the end), so that
// there are runs waiting, journaled, at most moments. A question whose answer the journal holds
// already (an earlier process sent it) is not answered again.
const unsettled = new Set<string>(handlers.keys());
const asked = new Map<string, { h: Handler; n: number }>();
function answerSome(): Promise<unknown> {
  if (asked.size === 0 || asked.size < Math.min(5, unsettled.size)) return Promise.resolve();
  const batch = [...asked.values()];
  asked.clear();
  return Promise.all(
    batch.map(async ({ h, n }) => {
      if (answered(await h.snapshot())) return;
      append({ g, r: h.runId, answer: answerOf(n) });
      await wf.sendEvent(h.runId, new Answer({ ok: answerOf(n) }));
    }),
  );
}

async function drive(h: Handler): Promise<void> {
  let index = 0;
  let questions = 0;
  const answering: Promise<unknown>[] = [];
  // From the start, for a new run as for one recovered (its earlier events from the journal).
  for await (const ev of h.streamEvents({ from: 0 })) {
    print(`s ${h.runId} ${index++} ${labelOf(ev)}`);
    if (ev instanceof Ask && questions++ === 0) {
      asked.set(h.runId, { h, n: ev.n });
      answering.push(answerSome());
    }
  }
  await h;
  unsettled.delete(h.runId);
  asked.delete(h.runId);
  answering.push(answerSome());
  await Promise.all(answering);
}

/** Drives `first` (a recovered run), then new runs one after the other, until none is left. */
async function lane(first: Handler | undefined): Promise<void> {
  if (first !== undefined) await drive(first);
  for (let n = todo.shift(); n !== undefined; n = todo.shift()) {
    const runId = runIdOf(n);
    const h = wf.run({ n }, { runId }) as Handler;
    handlers.set(runId, h);
    unsettled.add(runId);
    await drive(h);
  }
}

const firsts: (Handler | undefined)[] = [...handlers.values()];
while (firsts.length < WINDOW) firsts.push(undefined);
await Promise.all(firsts.map(lane));

// Every run has ended: each one's result and whole stream, read back from the journal (a run
// that ended in an earlier process is resumed here: a settled handler).
const final: FinalFile = { runs: [] };
for (let n = 0; n < options.runs; n++) {
  const runId = runIdOf(n);
  const live = handlers.get(runId);
  const h = live ?? (wf.resume(runId) as Handler);
  const stream: string[] = [];
  for await (const ev of h.streamEvents({ from: 0 })) stream.push(labelOf(ev));
  final.runs.push({ runId, result: await h, stream, endedHere: live !== undefined });
}
const out = openSync(options.final, "w");
writeSync(out, JSON.stringify(final));
closeSync(out);
closeSync(effects);
await journal.close();
print("finished");
