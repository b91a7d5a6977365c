// One worker process of the takeover test (bundled by takeover-bundle.ts, run with plain node:
// `node takeover-worker.mjs <options as JSON>`). It connects, prints "ready", waits for "go" on
// stdin, then starts its runs (at most WINDOW live at once) and drives each to its end. On
// "recover" from the parent (its peer was killed) it calls recover() until no unfinished run of
// the journal is left undriven, awaits every run, writes each run's result and whole stream
// (streamEvents({ from: 0 })) to the final file (runs the peer had not started yet, it starts), and exits. Progress lines on stdout, from
// which the parent picks its kill points:
//   c <n>      a journal append of n entries has resolved (is durable)
//   e          a step execution has begun (its side effect is logged first)
//   own        this worker's own runs have all ended
//   finished   the final file is written
import { closeSync, openSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { type Journal, RunOwnedError, type WorkflowHandler } from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";
import {
  type EffectLine,
  type FinalFile,
  type WorkerOptions,
  runIdOf,
} from "./takeover-protocol.js";
import { labelOf, takeoverWorkflow } from "./takeover-workflow.js";

const options = JSON.parse(process.argv[2] ?? "") as WorkerOptions;
const print = (line: string): void => void process.stdout.write(`${line}\n`);

// A write(2) that has returned survives SIGKILL (the page cache), so no fsync is needed here.
const effects = openSync(options.effects, "a");
const pg = postgresJournal(
  { connectionString: options.url, max: 4 },
  { schema: options.schema, claimMs: options.claimMs },
);
// The same journal, telling the parent when each append is durable.
const journal: Journal = {
  claimMs: pg.claimMs,
  append: async (entries) => {
    await pg.append(entries);
    print(`c ${entries.length}`);
  },
  read: (runId) => pg.read(runId),
  listRuns: (filter) => pg.listRuns(filter),
  claim: (runId, owner, ms) => pg.claim(runId, owner, ms),
  release: (runId, owner) => pg.release(runId, owner),
  close: () => pg.close(),
};
const wf = takeoverWorkflow(journal, (ctx, step) => {
  const line: EffectLine = {
    w: options.worker,
    r: ctx.runId,
    s: step,
    i: ctx.invocationId,
    a: ctx.retry.attempt,
  };
  writeSync(effects, `${JSON.stringify(line)}\n`);
  print("e");
});

type Handler = WorkflowHandler<unknown>;
const handlers = new Map<string, Handler>();
const driven: Promise<void>[] = [];

/** Reads the run's stream to its end and awaits its result (failures surface in the final file). */
async function drive(h: Handler): Promise<void> {
  for await (const _ of h.streamEvents()) void _;
  await h.then(
    () => {},
    () => {},
  );
}

await journal.listRuns(); // connected, schema ready: the runs start together on "go"
const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
print("ready");
while ((await stdin.next()).value !== "go");

const WINDOW = 8;
const todo = [...options.runs];
async function lane(): Promise<void> {
  for (let n = todo.shift(); n !== undefined; n = todo.shift()) {
    const runId = runIdOf(options.round, n);
    const h = wf.run({ n }, { runId }) as Handler;
    handlers.set(runId, h);
    await drive(h);
  }
}
const own = Promise.all(Array.from({ length: WINDOW }, lane)).then(() => print("own"));
driven.push(own);

while ((await stdin.next()).value !== "recover");

// The dead peer's leases lapse claimMs after its last renewal: recover() until every
// unfinished run of the journal is driven here, asking again a fraction of a lease later.
let recovered = 0;
let recoverCalls = 0;
for (;;) {
  recoverCalls++;
  for (const h of (await wf.recover()) as Handler[]) {
    if (handlers.has(h.runId)) throw new Error(`recover() gave ${h.runId}, already driven here`);
    handlers.set(h.runId, h);
    recovered++;
    driven.push(drive(h));
  }
  const running = await journal.listRuns({ status: "running" });
  if (running.every((r) => handlers.has(r.runId))) break;
  await new Promise((resolve) => globalThis.setTimeout(resolve, options.claimMs / 4));
}
// Runs the peer had not started when it died (no header in the journal) start here. The peer
// may have claimed such a run before it wrote the header (a run id the user chose is claimed
// first): then starting it fails with RunOwnedError until that claim lapses, and is tried again.
async function adopt(n: number): Promise<void> {
  const runId = runIdOf(options.round, n);
  for (;;) {
    const h = wf.run({ n }, { runId }) as Handler;
    handlers.set(runId, h);
    const owned = await h.then(
      () => false,
      (error: unknown) => error instanceof RunOwnedError,
    );
    if (!owned) return drive(h);
    ownedRetries++;
    await new Promise((resolve) => globalThis.setTimeout(resolve, options.claimMs / 4));
  }
}
const known = new Set((await journal.listRuns()).map((r) => r.runId));
let adopted = 0;
let ownedRetries = 0;
for (const n of options.all) {
  const runId = runIdOf(options.round, n);
  if (known.has(runId) || handlers.has(runId)) continue;
  adopted++;
  driven.push(adopt(n));
}
await Promise.all(driven);

const final: FinalFile = { runs: [], recovered, recoverCalls, adopted, ownedRetries };
for (const n of options.all) {
  const runId = runIdOf(options.round, n);
  const h = handlers.get(runId) ?? (wf.resume(runId) as Handler);
  const stream: string[] = [];
  for await (const ev of h.streamEvents({ from: 0 })) stream.push(labelOf(ev));
  let result: unknown;
  try {
    result = await h;
  } catch (error) {
    result = { error: String(error) };
  }
  final.runs.push({ runId, result, stream });
}
const out = openSync(options.final, "w");
writeSync(out, JSON.stringify(final));
closeSync(out);
closeSync(effects);
await journal.close();
print("finished");
process.exit(0);
