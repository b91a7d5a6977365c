// Puts a revived snapshot's queues, buffers and store into a new run (before it continues).
import type { Event, EventClass } from "../event.js";
import { FanIn } from "./fan-in.js";
import type { RevivedSnapshot } from "./restore.js";
import type { RunWaiting } from "./waiting.js";
import type { CollectMemo } from "./worker-pool.js";

export function applySnapshot(run: RunWaiting, r: RevivedSnapshot): void {
  run.id = r.runId;
  run.invocations = r.invocations;
  run.streamWritten = r.streamWritten;
  run.streamDelivered = r.streamWritten;
  run.started = r.started;
  const store = run.store;
  for (const [key, value] of Object.entries(r.store)) store.restore(key, value);
  for (const q of r.queued) {
    const pool = run.pool(q.step.index);
    for (const event of q.events) pool.enqueue(event, undefined);
  }
  if (r.pending.length > 0) {
    // Ahead of anything sent while the snapshot was being read.
    const held = r.pending.map((p) => ({ event: p.event, link: undefined, target: p.step }));
    run.pending = run.pending === undefined ? held : [...held, ...run.pending];
  }
  if (r.collected.length > 0) {
    const fanIn = (run.fanIn ??= new FanIn());
    for (const c of r.collected) {
      const buffer = fanIn.buffer(c.key);
      for (const event of c.events) buffer.add(event, undefined);
    }
  }
  // The waits of invocations that were suspended are expected again from now on, before they
  // re-run, so an answer sent right after the resume waits in the buffer for them.
  if (r.status === "running")
    run.expectedWaits = r.inFlight.map((i) => run.expectWaits(i.waitingFor));
  for (const event of r.waitBuffer) {
    const cls = event.constructor as EventClass;
    const buffer = (run.waitBuffer ??= new Map());
    let list = buffer.get(cls);
    if (list === undefined) buffer.set(cls, (list = []));
    list.push(event);
    run.waitBuffered++;
  }
}

/** What a revived invocation had collected, as the memo its retries read. */
export function memoOf(
  collected: ReadonlyMap<string, Event[] | null> | undefined,
): CollectMemo | undefined {
  if (collected === undefined) return undefined;
  const memo: CollectMemo = new Map();
  for (const [key, events] of collected)
    memo.set(key, events === null ? null : { events, links: undefined });
  return memo;
}
