// Property: a journaled run whose process dies after any number of journal appends, recovered
// by a new workflow instance on the same store, ends as the run that never crashed: same result,
// same store; a step invocation whose outcome the journal held before the crash never runs
// again, one in flight then runs again with the same invocationId and attempt; and
// streamEvents({ from: 0 }) after recovery gives the whole stream, nothing lost or twice.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Event,
  type Journal,
  JournalError,
  type RunSnapshot,
  StopEvent,
  type WorkflowHandler,
  memoryJournal,
} from "../src/index.js";
import {
  type Built,
  type Probe,
  type Spec,
  buildWorkflow,
  invocationNumber,
  newProbe,
  seedFromEnv,
  specArb,
  streamKey,
} from "./support/random-workflow.js";

/** Counts the appends a journal is given. */
function counting(journal: Journal): { journal: Journal; appends(): number } {
  let appends = 0;
  return {
    appends: () => appends,
    journal: {
      append: (e) => (appends++, journal.append(e)),
      read: (id) => journal.read(id),
      listRuns: (f) => journal.listRuns(f),
      claim: (id, owner, ms) => journal.claim(id, owner, ms),
      release: (id, owner) => journal.release(id, owner),
      close: () => journal.close(),
    },
  };
}

/**
 * The store as a process that dies after `n` appends sees it: from the (n + 1)-th append on,
 * every call rejects and nothing more reaches the store. Its claims last 0 ms, so the dead
 * owner's claim has expired by the time another process claims the run. Appends are counted
 * once `arm()` has been called (at once unless `armed` is false): a process that recovers
 * runs dies after recover() has returned, with every handler in the test's hands.
 */
function dyingAfter(base: Journal, n: number, armed = true): { journal: Journal; arm(): void } {
  let appends = 0;
  let dead = false;
  const gone = () => Promise.reject(new JournalError("the process using this journal died"));
  return {
    arm: () => (armed = true),
    journal: {
      append: (e) => {
        if (dead || (armed && appends >= n)) {
          dead = true;
          return gone();
        }
        if (armed) appends++;
        return base.append(e);
      },
      read: (id) => (dead ? gone() : base.read(id)),
      listRuns: (f) => (dead ? gone() : base.listRuns(f)),
      claim: (id, owner) => (dead ? gone() : base.claim(id, owner, 0)),
      release: (id, owner) => (dead ? gone() : base.release(id, owner)),
      close: () => Promise.resolve(),
    },
  };
}

/**
 * Reads a stream to its end, answering each question not answered yet (`skip`) once. A
 * question a run asked before a crash is in a replay from 0, and is answered then if no wait
 * got its answer before (an answer the dead process was sent but never journaled is lost).
 */
async function consume(
  stream: AsyncIterable<Event>,
  h: WorkflowHandler<unknown>,
  b: Built,
  skip: (ev: Event) => boolean = () => false,
): Promise<Event[]> {
  const events: Event[] = [];
  const sent = new Set<string>();
  for await (const ev of stream) {
    events.push(ev);
    const answer = b.answer(ev);
    if (answer === undefined || sent.has(streamKey(ev)) || skip(ev)) continue;
    sent.add(streamKey(ev));
    h.sendEvent(answer);
  }
  return events;
}

const writes = (events: readonly Event[]) => events.filter((e) => !(e instanceof StopEvent));
const sorted = (keys: readonly string[]) => [...keys].sort();

async function uninterrupted(spec: Spec, start: number) {
  const probe = newProbe();
  const store = counting(memoryJournal());
  const b = buildWorkflow(spec, probe, { journal: store.journal });
  const h = b.workflow.run({ start });
  const live = consume(h.streamEvents(), h, b);
  const result = await h;
  await live;
  const replay = writes(await consume(h.streamEvents({ from: 0 }), h, b, () => true));
  const final = await h.snapshot();
  return { result, store: final.store, keys: replay.map(streamKey), appends: store.appends() };
}

type Reference = Awaited<ReturnType<typeof uninterrupted>>;
type Settled = { ok: true; result: unknown } | { ok: false; error: unknown };

/** The run as the journal holds it: its newest checkpoint's state. */
async function heldState(journal: Journal, runId: string): Promise<RunSnapshot | undefined> {
  const entries = await journal.read(runId);
  // Core's record format, version 1: { t: "checkpoint", v: 1, snapshot, streamed }.
  return (entries.at(-1)?.record as { snapshot: RunSnapshot } | undefined)?.snapshot;
}

/** Every attempt the handlers of `phase` started is one the journal held pending, or new. */
function checkStarts(probe: Probe, phase: number, held: RunSnapshot): void {
  const pending = new Set(
    [...held.inFlight, ...held.retrying].map((i) => `${i.step}#${i.invocation}`),
  );
  const after = probe.starts.filter((s) => s.phase === phase && s.runId === held.runId);
  for (const s of after) {
    if (!pending.has(s.inv))
      expect(invocationNumber(s.inv), `${s.inv} ran again after recovery`).toBeGreaterThan(
        held.invocations,
      );
  }
  for (const i of held.inFlight) {
    const rerun = after.find((s) => s.inv === `${i.step}#${i.invocation}`);
    expect(rerun, `in-flight ${i.step}#${i.invocation} ran again`).toBeDefined();
    expect(rerun!.attempt).toBe(i.attempt);
  }
}

const caseArb = fc.record({
  spec: specArb,
  /** Concurrent runs of the workflow on the one journal (group commit batches them). */
  runs: fc.integer({ min: 1, max: 3 }),
  /** When the first process dies (a fraction of the appends), and maybe the second too. */
  crashes: fc.tuple(fc.nat({ max: 1000 }), fc.option(fc.nat({ max: 1000 }), { freq: 2 })),
});

describe("durable runs: crash and recover (property)", () => {
  it("runs whose process dies after any append (once or twice) are recovered to the same end, no journaled step run again", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ spec, runs, crashes }) => {
        const startValues = Array.from({ length: runs }, (_, r) => spec.start + r * 101);
        const references = new Map<number, Reference>();
        for (const v of startValues) {
          const reference = await uninterrupted(spec, v);
          expect(sorted(reference.keys)).toEqual([...new Set(sorted(reference.keys))]);
          references.set(v, reference);
        }
        // Concurrent runs share appends (group commit): about as many as the longest run's.
        const appends = Math.max(...[...references.values()].map((r) => r.appends));
        const limits = crashes.map((c) =>
          c === null ? undefined : 1 + (c % Math.max(1, appends - 1)),
        );

        const base = memoryJournal();
        const probe = newProbe();
        probe.phase = 1;
        const b1 = buildWorkflow(spec, probe, { journal: dyingAfter(base, limits[0]!).journal });
        const startOf = new Map<string, number>();
        let handlers = startValues.map((v) => {
          const h = b1.workflow.run({ start: v });
          startOf.set(h.runId, v);
          return h;
        });
        let b = b1;
        const finished = new Map<string, { h: WorkflowHandler<unknown>; live?: Event[] }>();
        let held = new Map<string, RunSnapshot>();

        for (let phase = 1; ; phase++) {
          const settled = await Promise.all(
            handlers.map(async (h) => {
              const stream = phase === 1 ? h.streamEvents() : h.streamEvents({ from: 0 });
              const live = consume(stream, h, b, (ev) =>
                probe.answered.has(
                  `${h.runId} ${String((ev.toJSON().data as { tag?: unknown }).tag)}`,
                ),
              ).catch(() => [] as Event[]);
              const outcome: Settled = await h.then(
                (result) => ({ ok: true, result }),
                (error: unknown) => ({ ok: false, error }),
              );
              return { h, outcome, events: await live };
            }),
          );
          const crashed: string[] = [];
          for (const { h, outcome, events } of settled) {
            // What the journal held when this phase began: no journaled step ran again.
            if (phase > 1) checkStarts(probe, phase, held.get(h.runId)!);
            const reference = references.get(startOf.get(h.runId)!)!;
            if (outcome.ok) {
              // Durable to its end before its process died: it is done, as the reference.
              expect(outcome.result).toEqual(reference.result);
              finished.set(h.runId, phase > 1 ? { h, live: writes(events) } : { h });
            } else {
              expect(outcome.error).toBeInstanceOf(JournalError);
              crashed.push(h.runId);
            }
          }
          // The runs of this phase that the journal still holds as running.
          held = new Map();
          for (const runId of crashed) {
            const state = await heldState(base, runId);
            if (state === undefined) {
              // Its header never became durable: none of its steps ran (write-ahead).
              expect(probe.starts.filter((s) => s.runId === runId)).toEqual([]);
              startOf.delete(runId);
              continue;
            }
            expect(state.status).toBe("running");
            held.set(runId, state);
          }
          if (held.size === 0) break;

          probe.phase = phase + 1;
          const limit = limits[phase];
          const dying = limit === undefined ? undefined : dyingAfter(base, limit, false);
          b = buildWorkflow(spec, probe, { journal: dying?.journal ?? base });
          handlers = await b.workflow.recover();
          dying?.arm();
          expect(sorted(handlers.map((h) => h.runId))).toEqual(sorted([...held.keys()]));
          if (phase > 3) throw new Error("more phases than crashes");
        }

        // Every run that got going ended as its reference, with its whole stream once.
        expect(sorted([...finished.keys()])).toEqual(sorted([...startOf.keys()]));
        // Read back by a new instance on the store: the process that ended a run may be dead.
        const reader = buildWorkflow(spec, probe, { journal: base });
        for (const [runId, { h, live }] of finished) {
          const reference = references.get(startOf.get(runId)!)!;
          const [info] = (await base.listRuns()).filter((r) => r.runId === runId);
          expect(info?.status).toBe("completed");
          expect((await h.snapshot()).store).toEqual(reference.store);
          const done = reader.workflow.resume(runId);
          expect(await done).toEqual(reference.result);
          const replay = writes(
            await consume(done.streamEvents({ from: 0 }), done, reader, () => true),
          );
          expect(sorted(replay.map(streamKey))).toEqual(sorted(reference.keys));
          // What a consumer attached from 0 during the recovered run saw: the same.
          if (live !== undefined) expect(live.map(streamKey)).toEqual(replay.map(streamKey));
        }
        // Each attempt ran at most once per process, so at most twice per crash it lived through.
        const count = new Map<string, number>();
        for (const s of probe.starts) {
          const key = `${s.runId} ${s.inv}@${s.attempt} phase ${s.phase}`;
          count.set(key, (count.get(key) ?? 0) + 1);
        }
        for (const [key, n] of count) expect(n, key).toBe(1);
      }),
      { numRuns: 200, seed: seedFromEnv(0x5eed19), endOnFailure: true, timeout: 10_000 },
    );
  }, 60_000);
});
