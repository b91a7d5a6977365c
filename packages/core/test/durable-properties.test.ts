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
 * owner's claim has expired by the time another process claims the run.
 */
function dyingAfter(base: Journal, n: number): Journal {
  let appends = 0;
  let dead = false;
  const gone = () => Promise.reject(new JournalError("the process using this journal died"));
  return {
    append: (e) => {
      if (dead || appends >= n) {
        dead = true;
        return gone();
      }
      appends++;
      return base.append(e);
    },
    read: (id) => (dead ? gone() : base.read(id)),
    listRuns: (f) => (dead ? gone() : base.listRuns(f)),
    claim: (id, owner) => (dead ? gone() : base.claim(id, owner, 0)),
    release: (id, owner) => (dead ? gone() : base.release(id, owner)),
    close: () => Promise.resolve(),
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

async function uninterrupted(spec: Spec) {
  const probe = newProbe();
  const store = counting(memoryJournal());
  const b = buildWorkflow(spec, probe, { journal: store.journal });
  const h = b.workflow.run();
  const live = consume(h.streamEvents(), h, b);
  const result = await h;
  await live;
  const replay = writes(await consume(h.streamEvents({ from: 0 }), h, b, () => true));
  const final = await h.snapshot();
  return { result, store: final.store, keys: replay.map(streamKey), appends: store.appends() };
}

describe("durable runs: crash and recover (property)", () => {
  it("a run whose process dies after any append is recovered to the same end, no journaled step run again", async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.nat({ max: 1000 }), async (spec, at) => {
        const reference = await uninterrupted(spec);
        expect(sorted(reference.keys)).toEqual([...new Set(sorted(reference.keys))]);
        const crashAfter = 1 + (at % Math.max(1, reference.appends - 1));

        const base = memoryJournal();
        const probe = newProbe();
        probe.phase = 1;
        const b1 = buildWorkflow(spec, probe, { journal: dyingAfter(base, crashAfter) });
        const h1 = b1.workflow.run();
        const live1 = consume(h1.streamEvents(), h1, b1).catch(() => []);
        const first = await h1.then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        await live1;
        if (first.ok) {
          // The run was durable to its end before the process died (group commit wrote
          // fewer appends this time): nothing to recover.
          expect(first.result).toEqual(reference.result);
          expect(await b1.workflow.recover()).toEqual([]);
          return;
        }
        expect(first.error).toBeInstanceOf(JournalError);
        const entries = await base.read(h1.runId);
        expect(entries.length).toBeGreaterThan(0); // crashAfter >= 1: the header is durable
        // The run as the journal holds it: the newest checkpoint's state (core's record
        // format, version 1: { t: "checkpoint", v: 1, snapshot, streamed }).
        const held = (entries.at(-1)!.record as { snapshot: RunSnapshot }).snapshot;
        expect(held).toMatchObject({ version: 1, runId: h1.runId, status: "running" });

        probe.phase = 2;
        const b2 = buildWorkflow(spec, probe, { journal: base });
        const handlers = await b2.workflow.recover();
        expect(handlers.map((h) => h.runId)).toEqual([h1.runId]);
        const h2 = handlers[0]!;
        const replay = consume(h2.streamEvents({ from: 0 }), h2, b2, (ev) =>
          probe.answered.has(String((ev.toJSON().data as { tag?: unknown }).tag)),
        );
        expect(await h2).toEqual(reference.result);
        const whole = writes(await replay);
        expect((await h2.snapshot()).store).toEqual(reference.store);
        expect(await base.listRuns({ status: "completed" })).toEqual([
          expect.objectContaining({ runId: h1.runId }),
        ]);

        // The whole stream, from before and after the crash: nothing lost, nothing twice.
        expect(sorted(whole.map(streamKey))).toEqual(sorted(reference.keys));
        // And a replay from 0 of the settled run gives it again.
        const again = writes(await consume(h2.streamEvents({ from: 0 }), h2, b2, () => true));
        expect(again.map(streamKey)).toEqual(whole.map(streamKey));

        // No invocation the journal held as done ran again; those in flight ran again.
        const pending = new Set(
          [...held.inFlight, ...held.retrying].map((i) => `${i.step}#${i.invocation}`),
        );
        const after = probe.starts.filter((s) => s.phase === 2);
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
        // Each attempt ran at most twice: once before the crash, once after.
        const runs = new Map<string, number>();
        for (const s of probe.starts) {
          const key = `${s.inv}@${s.attempt}`;
          runs.set(key, (runs.get(key) ?? 0) + 1);
        }
        for (const [key, count] of runs) expect(count, key).toBeLessThanOrEqual(2);
      }),
      { numRuns: 400, seed: seedFromEnv(0x5eed19), endOnFailure: true, timeout: 10_000 },
    );
  }, 60_000);
});
