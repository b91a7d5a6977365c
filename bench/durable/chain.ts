/**
 * The work every durable scenario does, on both sides: runs of a chain of steps (each adds 1 to
 * the value it is given) whose every step boundary is made durable before the run goes on.
 *
 * - Eventloom: a `Workflow` of typed events and field steps, run with `new W({ journal })`, as a
 *   user writes a durable workflow. Its writer checkpoints every run that moved in a tick in one
 *   append (group commit); the journal adds a claim before a run's header and a release after its
 *   last entry, and keeps a `runs` row per run.
 * - The floor: the same chain with nothing but the rows: one row per step boundary (the header,
 *   then one after each step), each the size of the row Eventloom writes at that position
 *   (measured, see `rowSizes`), written through `GroupCommit`, which commits every row asked for in
 *   a tick in one transaction: the batching the journal could ideally do. No claims, no runs
 *   table, no snapshot to build: the least a durable engine must write.
 */
import { randomUUID } from "node:crypto";
import {
  Event,
  type EventClass,
  type Journal,
  StartEvent,
  StopEvent,
  Workflow,
  memoryJournal,
  step,
} from "@eventloom/core";
import { z } from "zod";

class DurableBegin extends StartEvent.define({ i: z.number() }) {
  static override typeName = "DurableBegin";
}

type NumberEvent = Event & { readonly i: number };
type NumberEventClass = EventClass<NumberEvent> & (new (data: { i: number }) => NumberEvent);
export type DurableWorkflowClass = new (options: { journal: Journal }) => Workflow;

const chains = new Map<number, DurableWorkflowClass>();

/** The workflow class of a `steps`-step durable chain (made once per length). */
export function durableChain(steps: number): DurableWorkflowClass {
  const known = chains.get(steps);
  if (known !== undefined) return known;
  const classes: NumberEventClass[] = [DurableBegin as unknown as NumberEventClass];
  for (let k = 1; k < steps; k++) {
    classes.push(Event.define({ i: z.number() }, { name: `Durable${k}` }) as NumberEventClass);
  }
  class DurableChain extends Workflow {}
  for (let k = 0; k < steps; k++) {
    const next = classes[k + 1];
    DurableChain.addStep(
      next === undefined
        ? step(
            { name: `step${k}`, accepts: [classes[k]!], emits: [StopEvent] },
            async (ev: NumberEvent) => new StopEvent({ result: ev.i + 1 }),
          )
        : step(
            { name: `step${k}`, accepts: [classes[k]!], emits: [next] },
            async (ev: NumberEvent) => new next({ i: ev.i + 1 }),
          ),
    );
  }
  chains.set(steps, DurableChain);
  return DurableChain;
}

/** `runs` Eventloom runs started at once; returns the sum of their results (runs x steps). */
export async function eventloomConcurrent(wf: Workflow, runs: number): Promise<number> {
  const all: PromiseLike<unknown>[] = [];
  for (let r = 0; r < runs; r++) all.push(wf.run({ i: 0 }));
  return ((await Promise.all(all)) as number[]).reduce((a, b) => a + b, 0);
}

/** `runs` Eventloom runs, each awaited before the next starts. */
export async function eventloomSequential(wf: Workflow, runs: number): Promise<number> {
  let sum = 0;
  for (let r = 0; r < runs; r++) sum += (await wf.run({ i: 0 })) as number;
  return sum;
}

/**
 * The JSON length of each entry Eventloom writes for one run of the chain, by seq: one run on
 * an in-memory journal that records what it is given. The floor writes rows of these sizes.
 */
export async function rowSizes(steps: number): Promise<readonly number[]> {
  const inner = memoryJournal();
  const sizes: number[] = [];
  const recording: Journal = {
    append(entries) {
      for (const e of entries) sizes[e.seq] = JSON.stringify(e.record).length;
      return inner.append(entries);
    },
    read: (runId) => inner.read(runId),
    listRuns: (filter) => inner.listRuns(filter),
    claim: (runId, owner, ms) => inner.claim(runId, owner, ms),
    release: (runId, owner) => inner.release(runId, owner),
    close: () => inner.close(),
  };
  const result = await new (durableChain(steps))({ journal: recording }).run({ i: 0 });
  if (result !== steps)
    throw new Error(`durable chain: expected result ${steps}, got ${String(result)}`);
  if (sizes.length !== steps + 1) {
    throw new Error(
      `durable chain: Eventloom wrote ${sizes.length} entries for a run of ${steps} steps; the floor writes ${steps + 1} (a header and one per step): update bench/durable/chain.ts`,
    );
  }
  await inner.close();
  return sizes;
}

/** A row as the floor writes it: the journal's `entries` columns. */
export interface FloorRow {
  readonly runId: string;
  readonly seq: number;
  readonly at: number;
  readonly workflow: string | null;
  readonly status: string | null;
  readonly record: string;
}

/**
 * Commits every row written in one tick in one transaction (`commit`), then resolves their
 * writers; rows written while a commit is in flight go with the next one. This is group commit
 * reduced to its core, the batching an ideal journal does.
 */
export class GroupCommit {
  private pending: FloorRow[] = [];
  private waiters: (() => void)[] = [];
  private failers: ((error: unknown) => void)[] = [];
  private scheduled = false;
  private flushing = false;
  /** Transactions committed so far. */
  commits = 0;

  constructor(private readonly commit: (rows: readonly FloorRow[]) => void | Promise<void>) {}

  write(row: FloorRow): Promise<void> {
    this.pending.push(row);
    this.schedule();
    return new Promise((resolve, reject) => {
      this.waiters.push(resolve);
      this.failers.push(reject);
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.flushing = true;
    const rows = this.pending;
    const waiters = this.waiters;
    const failers = this.failers;
    this.pending = [];
    this.waiters = [];
    this.failers = [];
    try {
      await this.commit(rows);
      this.commits++;
      for (const resolve of waiters) resolve();
    } catch (error) {
      for (const reject of failers) reject(error);
    }
    this.flushing = false;
    if (this.pending.length > 0) this.schedule();
  }
}

const PAD = "x".repeat(64 * 1024);

/** A record of exactly `size` characters of JSON (longer when the fields alone exceed it). */
function recordOf(runId: string, seq: number, i: number, size: number): string {
  const head = `{"t":"checkpoint","runId":"${runId}","seq":${seq},"i":${i},"pad":"`;
  return `${head}${PAD.slice(0, Math.max(0, size - head.length - 2))}"}`;
}

const stepBody = async (i: number): Promise<number> => i + 1;

/** One floor run: the header row, then each step and its row; resolves to the chain's value. */
export async function floorRun(
  commit: GroupCommit,
  sizes: readonly number[],
  steps: number,
): Promise<number> {
  const runId = randomUUID();
  let i = 0;
  await commit.write({
    runId,
    seq: 0,
    at: Date.now(),
    workflow: "DurableChain",
    status: "running",
    record: recordOf(runId, 0, i, sizes[0]!),
  });
  for (let k = 1; k <= steps; k++) {
    i = await stepBody(i);
    await commit.write({
      runId,
      seq: k,
      at: Date.now(),
      workflow: null,
      status: k === steps ? "completed" : null,
      record: recordOf(runId, k, i, sizes[k]!),
    });
  }
  return i;
}

/** `runs` floor runs started at once; returns the sum of their values. */
export async function floorConcurrent(
  commit: GroupCommit,
  sizes: readonly number[],
  steps: number,
  runs: number,
): Promise<number> {
  const all: Promise<number>[] = [];
  for (let r = 0; r < runs; r++) all.push(floorRun(commit, sizes, steps));
  return (await Promise.all(all)).reduce((a, b) => a + b, 0);
}

/** `runs` floor runs, each awaited before the next starts. */
export async function floorSequential(
  commit: GroupCommit,
  sizes: readonly number[],
  steps: number,
  runs: number,
): Promise<number> {
  let sum = 0;
  for (let r = 0; r < runs; r++) sum += await floorRun(commit, sizes, steps);
  return sum;
}
