// The Journal contract (see `Journal` in @eventloom/core) as a Vitest suite any store can run.
import {
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  type Journal,
  JournalConflictError,
  type JournalEntry,
  JournalError,
  type JournalRunStatus,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowError,
  step,
} from "@eventloom/core";
import { describe, expect, it, onTestFinished } from "vitest";
import { z } from "zod";

/** Makes a new, empty journal for one test (called inside the test, so `onTestFinished` works). */
export type MakeJournal = () => Journal | Promise<Journal>;

/** Options of {@link journalConformance}. */
export interface JournalConformanceOptions {
  /** Milliseconds each test may take; default Vitest's. */
  readonly timeout?: number;
  /**
   * How long the claim-expiry tests wait at most for a short claim to expire (ms, default
   * 10 000). A store that times claims by another clock (a database server's) may need more.
   */
  readonly expiryWithinMs?: number;
}

/**
 * Registers the Vitest suite every `Journal` must pass, as `describe(name)`: append and read
 * order, `seq` rules and `JournalConflictError`, `listRuns` filters and order, claims (release,
 * expiry, renewal, before the first entry), `close()`, and durable runs end to end through a
 * workflow on the journal: a run completes, a run "crashes" (its process stops writing while it
 * waits) and a new `Workflow` instance on the same journal recovers it, without running a
 * journaled step again.
 *
 * `makeJournal` is called once per test and must give a new, empty journal (a new file, a new
 * schema). The suite closes each journal after its test; clean up the rest (remove the file,
 * drop the schema) with `onTestFinished` or `afterEach`.
 *
 * @example
 * // journal.test.ts
 * import { journalConformance } from "@eventloom/testing/journal";
 * import { memoryJournal } from "@eventloom/core";
 *
 * journalConformance("memoryJournal", () => memoryJournal());
 *
 * @example
 * journalConformance("sqliteJournal", () => {
 *   const dir = mkdtempSync(join(tmpdir(), "journal-"));
 *   onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
 *   return sqliteJournal({ path: join(dir, "runs.db") });
 * });
 */
export function journalConformance(
  name: string,
  makeJournal: MakeJournal,
  options: JournalConformanceOptions = {},
): void {
  if (typeof name !== "string" || name.length === 0)
    throw new JournalError(
      "journalConformance(name, makeJournal): name must be a non-empty string",
    );
  if (typeof makeJournal !== "function") {
    throw new JournalError(
      `journalConformance(${JSON.stringify(name)}, makeJournal): makeJournal must be a function that returns a new, empty Journal (e.g. () => memoryJournal())`,
    );
  }
  const expiryWithinMs = options.expiryWithinMs ?? 10_000;
  const timeout = options.timeout;

  /** A new journal for this test, closed after it. */
  async function open(): Promise<Journal> {
    const journal = await makeJournal();
    if (journal === null || typeof journal !== "object" || typeof journal.append !== "function") {
      throw new JournalError(
        `journalConformance(${JSON.stringify(name)}): makeJournal must return a Journal; got ${journal === null ? "null" : typeof journal}`,
      );
    }
    onTestFinished(async () => {
      await journal.close().catch(() => {});
    });
    return journal;
  }

  const test = (title: string, fn: () => Promise<void>) =>
    timeout === undefined ? it(title, fn) : it(title, fn, timeout);

  describe(name, () => {
    describe("append and read", () => {
      test("reads back a run's entries in seq order, envelope and record as appended", async () => {
        const journal = await open();
        await journal.append([entry("r1", 0), entry("r1", 1, { status: "completed" })]);
        expect(await journal.read("r1")).toEqual([
          {
            runId: "r1",
            seq: 0,
            at: 1_700_000_000_000,
            workflow: "OrderWorkflow",
            status: "running",
            record: { kind: "header", seq: 0 },
          },
          {
            runId: "r1",
            seq: 1,
            at: 1_700_000_000_001,
            status: "completed",
            record: { kind: "step", seq: 1 },
          },
        ]);
      });

      test("gives [] for a run it does not know", async () => {
        const journal = await open();
        expect(await journal.read("nobody")).toEqual([]);
      });

      test("keeps records exactly: key order, NUL and lone surrogates, big and fractional numbers", async () => {
        const journal = await open();
        const record = {
          z: 1,
          a: [null, true, false, "\u0000", "\ud800", "é😀", ""],
          nested: { b: 2, a: 1, "": "empty key", deep: [[{ x: [] }], {}] },
          n: [0, -0.5, 1e21, 2 ** 53 - 1, 1e-7, -42],
        };
        await journal.append([entry("r", 0, { record, at: 1_700_000_000_123.5 })]);
        const [read] = await journal.read("r");
        expect(read!.at).toBe(1_700_000_000_123.5);
        expect(JSON.stringify(read!.record)).toBe(JSON.stringify(record));
      });

      test("keeps records that are not objects: strings, numbers, booleans, null, arrays", async () => {
        const journal = await open();
        const records: unknown[] = ["text", 12.5, true, null, [1, "two"]];
        await journal.append(records.map((record, seq) => entry("r", seq, { record })));
        expect((await journal.read("r")).map((e) => e.record)).toEqual(records);
      });

      test("writes entries of many runs in one append, each run continuing where it stood", async () => {
        const journal = await open();
        await journal.append([entry("a", 0), entry("b", 0)]);
        await journal.append([
          entry("a", 1),
          entry("c", 0),
          entry("b", 1),
          entry("a", 2),
          entry("c", 1),
        ]);
        expect((await journal.read("a")).map((e) => e.seq)).toEqual([0, 1, 2]);
        expect((await journal.read("b")).map((e) => e.seq)).toEqual([0, 1]);
        expect((await journal.read("c")).map((e) => e.seq)).toEqual([0, 1]);
      });

      test("keeps the order of many entries of one run", async () => {
        const journal = await open();
        await journal.append(entries("long", 0, 150));
        await journal.append(entries("long", 150, 300));
        const read = await journal.read("long");
        expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i));
        expect(read[299]!.record).toEqual({ kind: "step", seq: 299 });
      });

      test("stores nothing it was given after the call: later changes to the objects change nothing", async () => {
        const journal = await open();
        const e = { ...entry("r", 0), record: { value: 1 } };
        const pending = journal.append([e]);
        e.record.value = 2;
        await pending;
        expect((await journal.read("r"))[0]!.record).toEqual({ value: 1 });
      });

      test("gives copies: changing what read() returned changes nothing stored", async () => {
        const journal = await open();
        await journal.append([entry("r", 0, { record: { value: 1 } })]);
        const [first] = await journal.read("r");
        (first!.record as { value: number }).value = 2;
        expect((await journal.read("r"))[0]!.record).toEqual({ value: 1 });
      });

      test("resolves an empty append and writes nothing", async () => {
        const journal = await open();
        await journal.append([]);
        expect(await journal.listRuns()).toEqual([]);
      });
    });

    describe("conflicts: all or nothing", () => {
      test("rejects an entry already stored with JournalConflictError and writes none of that append", async () => {
        const journal = await open();
        await journal.append(entries("r", 0, 2));
        const error = await journal
          .append([entry("other", 0), entry("r", 1)])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JournalConflictError);
        expect(error).toBeInstanceOf(JournalError);
        expect(error).toBeInstanceOf(WorkflowError);
        expect(error).toMatchObject({ runId: "r", seq: 1 });
        expect(await journal.read("other")).toEqual([]);
        expect((await journal.read("r")).length).toBe(2);
      });

      test("rejects a gap (a seq past the run's next) with JournalConflictError", async () => {
        const journal = await open();
        await journal.append(entries("r", 0, 2));
        const error = await journal.append([entry("r", 3)]).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JournalConflictError);
        expect(error).toMatchObject({ runId: "r", seq: 3 });
        expect((await journal.read("r")).map((e) => e.seq)).toEqual([0, 1]);
        // The run goes on from where it stood.
        await journal.append([entry("r", 2)]);
        expect((await journal.read("r")).map((e) => e.seq)).toEqual([0, 1, 2]);
      });

      test("rejects a first entry that is not seq 0, and a gap or repeat inside one append", async () => {
        const journal = await open();
        await expect(journal.append([entry("new", 1)])).rejects.toMatchObject({
          name: "JournalConflictError",
          seq: 1,
        });
        await expect(journal.append([entry("x", 0), entry("x", 2)])).rejects.toBeInstanceOf(
          JournalConflictError,
        );
        await expect(journal.append([entry("y", 0), entry("y", 0)])).rejects.toBeInstanceOf(
          JournalConflictError,
        );
        expect(await journal.listRuns()).toEqual([]);
      });

      test("lets exactly one of two concurrent appends of a run's next entry win", async () => {
        const journal = await open();
        await journal.append([entry("r", 0)]);
        const results = await Promise.allSettled([
          journal.append([entry("r", 1, { record: "first" })]),
          journal.append([entry("r", 1, { record: "second" })]),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const failed = results.find((r) => r.status === "rejected");
        expect(failed?.reason).toBeInstanceOf(JournalConflictError);
        const read = await journal.read("r");
        expect(read).toHaveLength(2);
        const winner = results[0]!.status === "fulfilled" ? "first" : "second";
        expect(read[1]!.record).toBe(winner);
      });

      test("fails only the conflicting one of concurrent appends of different runs", async () => {
        const journal = await open();
        await journal.append([entry("taken", 0)]);
        const results = await Promise.allSettled([
          journal.append([entry("fine-1", 0)]),
          journal.append([entry("taken", 0)]),
          journal.append([entry("fine-2", 0), entry("fine-2", 1)]),
        ]);
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
        expect((await journal.read("fine-2")).map((e) => e.seq)).toEqual([0, 1]);
        expect((await journal.read("taken")).map((e) => e.seq)).toEqual([0]);
      });
    });

    describe("listRuns", () => {
      test("lists newest first by startedAt, then runId, with the last status any entry set", async () => {
        const journal = await open();
        await journal.append([
          entry("a", 0, { at: 100 }),
          entry("b", 0, { at: 300, workflow: "Billing" }),
          entry("c", 0, { at: 300 }),
        ]);
        await journal.append([
          entry("a", 1, { at: 400, status: "failed" }),
          entry("a", 2, { at: 500 }),
        ]);
        expect(await journal.listRuns()).toEqual([
          {
            runId: "c",
            workflow: "OrderWorkflow",
            status: "running",
            startedAt: 300,
            updatedAt: 300,
          },
          { runId: "b", workflow: "Billing", status: "running", startedAt: 300, updatedAt: 300 },
          {
            runId: "a",
            workflow: "OrderWorkflow",
            status: "failed",
            startedAt: 100,
            updatedAt: 500,
          },
        ]);
      });

      test("filters by workflow, by status, and by both", async () => {
        const journal = await open();
        await journal.append([
          entry("a", 0, { at: 100 }),
          entry("b", 0, { at: 300, workflow: "Billing" }),
          entry("c", 0, { at: 300 }),
          entry("a", 1, { at: 400, status: "failed" }),
        ]);
        const ids = async (filter?: Parameters<Journal["listRuns"]>[0]) =>
          (await journal.listRuns(filter)).map((r) => r.runId);
        expect(await ids({ workflow: "OrderWorkflow" })).toEqual(["c", "a"]);
        expect(await ids({ status: "running" })).toEqual(["c", "b"]);
        expect(await ids({ workflow: "OrderWorkflow", status: "failed" })).toEqual(["a"]);
        expect(await ids({ workflow: "Nobody" })).toEqual([]);
        expect(await ids({})).toEqual(["c", "b", "a"]);
      });

      test("knows every status a run can end with", async () => {
        const journal = await open();
        const statuses: JournalRunStatus[] = ["completed", "failed", "timed_out", "cancelled"];
        await journal.append(
          statuses.flatMap((status, i) => [
            entry(status, 0, { at: 1_000 + i }),
            entry(status, 1, { at: 2_000 + i, status }),
          ]),
        );
        for (const status of statuses) {
          expect(await journal.listRuns({ status })).toEqual([
            expect.objectContaining({ runId: status, status }),
          ]);
        }
        expect(await journal.listRuns({ status: "running" })).toEqual([]);
      });

      test("gives [] for an empty journal", async () => {
        const journal = await open();
        expect(await journal.listRuns()).toEqual([]);
      });
    });

    describe("claims", () => {
      test("gives a run to one owner until it is released; the owner renews; others' releases do nothing", async () => {
        const journal = await open();
        expect(await journal.claim("r", "A", 60_000)).toBe(true);
        expect(await journal.claim("r", "B", 60_000)).toBe(false);
        expect(await journal.claim("r", "A", 60_000)).toBe(true);
        await journal.release("r", "B"); // not B's: nothing happens
        expect(await journal.claim("r", "B", 60_000)).toBe(false);
        await journal.release("r", "A");
        expect(await journal.claim("r", "B", 60_000)).toBe(true);
        expect(await journal.claim("r", "A", 60_000)).toBe(false);
      });

      test("lets a run be claimed before its first entry is written", async () => {
        const journal = await open();
        expect(await journal.claim("new-run", "A", 60_000)).toBe(true);
        await journal.append([entry("new-run", 0)]);
        expect(await journal.claim("new-run", "B", 60_000)).toBe(false);
      });

      test("keeps claims of different runs apart", async () => {
        const journal = await open();
        expect(await journal.claim("one", "A", 60_000)).toBe(true);
        expect(await journal.claim("two", "B", 60_000)).toBe(true);
        await journal.release("one", "A");
        expect(await journal.claim("two", "C", 60_000)).toBe(false);
        expect(await journal.claim("one", "C", 60_000)).toBe(true);
      });

      // What core does in one tick: claims, appends and releases of many runs at once. Each
      // call succeeds or fails on its own; a store with commitsTickTogether also promises
      // that they take effect in the order they were made (a release after its claim).
      test("keeps calls made in one tick apart: each succeeds or fails alone", async () => {
        const journal = await open();
        const ordered = journal.commitsTickTogether === true;
        await journal.append([entry("taken", 0)]);
        await journal.claim("held", "B", 60_000);
        const [claimed, header, conflict, refused, released] = await Promise.allSettled([
          journal.claim("new", "A", 60_000),
          journal.append([entry("new", 0)]),
          journal.append([entry("taken", 0)]),
          journal.claim("held", "A", 60_000),
          ordered ? journal.release("new", "A") : Promise.resolve(),
        ]);
        expect(claimed).toEqual({ status: "fulfilled", value: true });
        expect(header.status).toBe("fulfilled");
        expect(conflict.status).toBe("rejected");
        expect((conflict as PromiseRejectedResult).reason).toBeInstanceOf(JournalConflictError);
        expect(refused).toEqual({ status: "fulfilled", value: false });
        expect(released.status).toBe("fulfilled");
        expect((await journal.read("new")).map((e) => e.seq)).toEqual([0]);
        expect(await journal.claim("new", "C", 60_000)).toBe(ordered);
        expect(await journal.claim("held", "C", 60_000)).toBe(false);
      });

      test("resolves a release of a run nobody claimed", async () => {
        const journal = await open();
        await journal.release("unclaimed", "A");
        expect(await journal.claim("unclaimed", "B", 60_000)).toBe(true);
      });

      test("frees a run once its claim expires: another owner takes it, the old owner is refused", async () => {
        const journal = await open();
        expect(await journal.claim("r", "A", 1)).toBe(true);
        await expect
          .poll(() => journal.claim("r", "B", 60_000), { timeout: expiryWithinMs, interval: 20 })
          .toBe(true);
        expect(await journal.claim("r", "A", 60_000)).toBe(false);
      });

      test("renewing extends a claim: a short claim renewed for long is not taken over", async () => {
        const journal = await open();
        expect(await journal.claim("r", "A", 1)).toBe(true);
        expect(await journal.claim("r", "A", 60_000)).toBe(true);
        expect(await journal.claim("r", "B", 60_000)).toBe(false);
      });
    });

    describe("close", () => {
      test("rejects every call after close(); closing twice is fine", async () => {
        const journal = await open();
        await journal.append([entry("r", 0)]);
        await journal.close();
        await journal.close();
        const calls: [string, () => Promise<unknown>][] = [
          ["append", () => journal.append([entry("r", 1)])],
          ["read", () => journal.read("r")],
          ["listRuns", () => journal.listRuns()],
          ["claim", () => journal.claim("r", "A", 1_000)],
          ["release", () => journal.release("r", "A")],
        ];
        for (const [call, make] of calls) {
          let returned: Promise<unknown>;
          try {
            returned = make();
          } catch (error) {
            throw new Error(`${call}() after close() threw instead of rejecting`, { cause: error });
          }
          const error = await returned.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `${call}() after close() must reject`).toBeInstanceOf(Error);
        }
      });
    });

    describe("durable runs through a workflow", () => {
      test("journals a run: header first, status completed last, listed under the workflow's name", async () => {
        const journal = await open();
        const { workflow } = approvalWorkflow(journal);
        const handler = workflow.run({ orderId: "o-1" });
        const stream: string[] = [];
        const streamed = (async () => {
          for await (const ev of handler.streamEvents()) {
            stream.push(ev.toJSON().type);
            if (ev instanceof ConformanceAsk)
              handler.sendEvent(new ConformanceAnswer({ ok: true }));
          }
        })();
        expect(await handler).toBe("o-1 approved");
        await streamed;
        expect(stream).toEqual(["ConformanceProgress", "ConformanceAsk", "StopEvent"]);
        const runs = await journal.listRuns({ workflow: "ConformanceApproval" });
        expect(runs).toEqual([
          expect.objectContaining({ runId: handler.runId, status: "completed" }),
        ]);
        const read = await journal.read(handler.runId);
        expect(read.map((e) => e.seq)).toEqual(read.map((_e, i) => i));
        expect(read[0]).toMatchObject({ workflow: "ConformanceApproval", status: "running" });
        expect(read.at(-1)).toMatchObject({ status: "completed" });
        // A settled run resumes as settled, with the same result.
        expect(await workflow.resume(handler.runId)).toBe("o-1 approved");
      });

      test("recovers a crashed run from a new Workflow on the same journal: journaled steps never run again", async () => {
        const journal = await open();
        const crashing = crashable(journal);
        const first = approvalWorkflow(crashing.journal);
        const handler = first.workflow.run({ orderId: "o-2" });
        for await (const ev of handler.streamEvents()) if (ev instanceof ConformanceAsk) break;
        const runId = handler.runId;
        // The process dies: nothing it does from now on reaches the journal.
        crashing.crash();
        await handler.cancel();
        expect(await journal.listRuns({ status: "running" })).toEqual([
          expect.objectContaining({ runId, workflow: "ConformanceApproval" }),
        ]);

        const second = approvalWorkflow(journal);
        // The dead owner's claim expires (it claimed for 1 ms); then recover() takes the run.
        let handlers: Awaited<ReturnType<Workflow["recover"]>> = [];
        await expect
          .poll(async () => (handlers = await second.workflow.recover()).length, {
            timeout: expiryWithinMs,
            interval: 20,
          })
          .toBe(1);
        const recovered = handlers[0]!;
        expect(recovered.runId).toBe(runId);
        recovered.sendEvent(new ConformanceAnswer({ ok: true }));
        expect(await recovered).toBe("o-2 approved");
        // prepare's outcome was journaled: it never ran again. The waiting step was in flight at
        // the crash: it ran again from its start, with the same invocation id.
        expect(first.log).toEqual([
          expect.stringMatching(/^prepare /),
          expect.stringMatching(/^before wait /),
        ]);
        const invocation = first.log[1]!.slice("before wait ".length);
        expect(second.log).toEqual([`before wait ${invocation}`, `after wait ${invocation}`]);
        expect(await journal.listRuns({ status: "completed" })).toEqual([
          expect.objectContaining({ runId }),
        ]);
        // The whole stream, from before and after the crash, replays from the journal.
        const replay: string[] = [];
        for await (const ev of recovered.streamEvents({ from: 0 })) replay.push(ev.toJSON().type);
        // (Whether the re-run step's second ask is in it is core's business, not the store's.)
        expect(replay[0]).toBe("ConformanceProgress");
        expect(replay.filter((t) => t === "ConformanceProgress")).toHaveLength(1);
        expect(replay).toContain("ConformanceAsk");
        expect(replay.at(-1)).toBe("StopEvent");
      });

      test("delivers an event sent to a crashed run that is not live here (workflow.sendEvent)", async () => {
        const journal = await open();
        const crashing = crashable(journal);
        const first = approvalWorkflow(crashing.journal);
        const handler = first.workflow.run({ orderId: "o-3" });
        for await (const ev of handler.streamEvents()) if (ev instanceof ConformanceAsk) break;
        crashing.crash();
        await handler.cancel();

        const second = approvalWorkflow(journal);
        await expect
          .poll(
            () =>
              second.workflow.sendEvent(handler.runId, new ConformanceAnswer({ ok: false })).then(
                () => true,
                () => false,
              ),
            { timeout: expiryWithinMs, interval: 20 },
          )
          .toBe(true);
        await expect
          .poll(async () => (await journal.listRuns({ status: "completed" })).length, {
            timeout: expiryWithinMs,
          })
          .toBe(1);
        const invocation = first.log[1]!.slice("before wait ".length);
        expect(second.log).toEqual([`before wait ${invocation}`, `after wait ${invocation}`]);
        expect((await journal.listRuns({ status: "completed" }))[0]!.runId).toBe(handler.runId);
        expect(await second.workflow.resume(handler.runId)).toBe("o-3 rejected");
      });
    });
  });
}

/** Entry `seq` of `runId` (seq 0 names the workflow and sets status "running"). */
function entry(
  runId: string,
  seq: number,
  extra: { record?: unknown; at?: number; status?: JournalRunStatus; workflow?: string } = {},
): JournalEntry {
  return {
    runId,
    seq,
    at: extra.at ?? 1_700_000_000_000 + seq,
    ...(seq === 0
      ? { workflow: extra.workflow ?? "OrderWorkflow", status: "running" as const }
      : {}),
    ...(extra.status === undefined ? {} : { status: extra.status }),
    record: "record" in extra ? extra.record : { kind: seq === 0 ? "header" : "step", seq },
  };
}

function entries(runId: string, from: number, to: number): JournalEntry[] {
  return Array.from({ length: to - from }, (_, i) => entry(runId, from + i));
}

class ConformanceStart extends StartEvent.define({ orderId: z.string() }) {
  static override typeName = "ConformanceStart";
}
class ConformancePrepared extends Event.define({ orderId: z.string() }) {
  static override typeName = "ConformancePrepared";
}
/** Written to the stream only: no step accepts or emits it. */
class ConformanceProgress extends Event.define({ line: z.string() }) {
  static override typeName = "ConformanceProgress";
}
class ConformanceAsk extends InputRequiredEvent.define({ question: z.string() }) {
  static override typeName = "ConformanceAsk";
}
class ConformanceAnswer extends HumanResponseEvent.define({ ok: z.boolean() }) {
  static override typeName = "ConformanceAnswer";
}

/** A two-step workflow whose second step waits for a human; `log` records each pass. */
function approvalWorkflow(journal: Journal): { workflow: Workflow; log: string[] } {
  const log: string[] = [];
  class ConformanceApproval extends Workflow {
    static override workflowName = "ConformanceApproval";
    prepare = step(
      { accepts: [ConformanceStart], emits: [ConformancePrepared] },
      async (ev, ctx) => {
        log.push(`prepare ${ctx.invocationId}`);
        ctx.writeEventToStream(new ConformanceProgress({ line: `preparing ${ev.orderId}` }));
        await ctx.store.set("orderId", ev.orderId);
        return new ConformancePrepared({ orderId: ev.orderId });
      },
    );
    approve = step(
      { accepts: [ConformancePrepared], emits: [ConformanceAsk, StopEvent] },
      async (ev, ctx) => {
        log.push(`before wait ${ctx.invocationId}`);
        const answer = await ctx.waitForEvent(ConformanceAnswer, {
          waiterEvent: new ConformanceAsk({ question: `ship ${ev.orderId}?` }),
        });
        log.push(`after wait ${ctx.invocationId}`);
        return new StopEvent({ result: `${ev.orderId} ${answer.ok ? "approved" : "rejected"}` });
      },
    );
  }
  return { workflow: new ConformanceApproval({ journal, timeout: null }), log };
}

/**
 * The journal as a process that can die sees it: its own writer (another owner) whose claims
 * last 1 ms, so that a test need not wait for a real lease to expire; after `crash()` every
 * call rejects and nothing more reaches the store.
 */
function crashable(journal: Journal): { journal: Journal; crash(): void } {
  let dead = false;
  const gone = () => Promise.reject(new JournalError("the process using this journal crashed"));
  return {
    crash: () => {
      dead = true;
    },
    journal: {
      append: (e) => (dead ? gone() : journal.append(e)),
      read: (runId) => (dead ? gone() : journal.read(runId)),
      listRuns: (filter) => (dead ? gone() : journal.listRuns(filter)),
      claim: (runId, owner) => (dead ? gone() : journal.claim(runId, owner, 1)),
      release: (runId, owner) => (dead ? gone() : journal.release(runId, owner)),
      close: () => Promise.resolve(),
    },
  };
}
