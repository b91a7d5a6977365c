import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  type Journal,
  RunNotFoundError,
  RunOwnedError,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  memoryJournal,
  step,
} from "../src/index.js";

/**
 * Two "processes" on one store: each gets its own journal object (so its own writer and owner).
 * `kill()` makes a process stop writing (its appends never resolve), as a SIGKILL would; the
 * survivor's claims succeed as they would once the dead owner's lease has expired.
 */
function sharedStore() {
  const base = memoryJournal();
  const process = (opts: { leaseExpired?: boolean } = {}) => {
    let dead = false;
    const journal: Journal = {
      append: (entries) => (dead ? new Promise(() => {}) : base.append(entries)),
      read: (id) => base.read(id),
      listRuns: (f) => base.listRuns(f),
      claim: (id, owner, ms) =>
        opts.leaseExpired === true ? Promise.resolve(true) : base.claim(id, owner, ms),
      release: (id, owner) => base.release(id, owner),
      close: () => Promise.resolve(),
    };
    return { journal, kill: () => (dead = true) };
  };
  return { base, process };
}

class Ask extends InputRequiredEvent.define({ q: z.string() }) {}
class Answer extends HumanResponseEvent.define({ ok: z.boolean() }) {}
class A extends Event.define({ n: z.number() }, { name: "A" }) {}
class B extends Event.define({ n: z.number() }, { name: "B" }) {}

function chain(log: string[], journal: Journal, hold?: Promise<void>) {
  class Chain extends Workflow {
    static override workflowName = "Chain";
    one = step({ accepts: [StartEvent], emits: [A] }, (ev, ctx) => {
      log.push(`one ${ctx.invocationId}`);
      ctx.writeEventToStream(new A({ n: 0 }));
      return new A({ n: Number(ev["n"] ?? 1) });
    });
    two = step({ accepts: [A], emits: [B] }, async (ev, ctx) => {
      log.push(`two ${ctx.invocationId}`);
      await ctx.store.set("two", ev.n);
      return new B({ n: ev.n + 1 });
    });
    three = step({ accepts: [B], emits: [StopEvent] }, async (ev, ctx) => {
      log.push(`three ${ctx.invocationId}`);
      if (hold !== undefined) await hold;
      return new StopEvent({ result: ev.n + ((await ctx.store.get("two")) as number) });
    });
  }
  return new Chain({ journal });
}

function approval(log: string[], journal: Journal) {
  class Approval extends Workflow {
    static override workflowName = "Approval";
    ask = step({ accepts: [StartEvent], emits: [Ask, StopEvent] }, async (_ev, ctx) => {
      log.push(`before wait ${ctx.invocationId}`);
      const a = await ctx.waitForEvent(Answer, { waiterEvent: new Ask({ q: "ok?" }) });
      log.push(`after wait ${ctx.invocationId}`);
      return new StopEvent({ result: a.ok ? "approved" : "rejected" });
    });
  }
  return new Approval({ journal });
}

describe("durable runs on a journal", () => {
  it("journals a run to its end and lists it with its final status", async () => {
    const journal = memoryJournal();
    const log: string[] = [];
    const h = chain(log, journal).run({ n: 1 });
    expect(await h).toBe(3);
    const [info] = await journal.listRuns({ workflow: "Chain" });
    expect(info).toMatchObject({ runId: h.runId, workflow: "Chain", status: "completed" });
    const entries = await journal.read(h.runId);
    expect(entries[0]).toMatchObject({ seq: 0, workflow: "Chain", status: "running" });
    expect(entries.at(-1)).toMatchObject({ status: "completed" });
    expect(log).toEqual(["one one#1", "two two#2", "three three#3"]);
  });

  it("replays the whole stream from the journal with streamEvents({ from: 0 })", async () => {
    const journal = memoryJournal();
    const h = chain([], journal).run({ n: 1 });
    await h;
    const replay: string[] = [];
    for await (const ev of h.streamEvents({ from: 0 })) replay.push(ev.constructor.name);
    expect(replay).toEqual(["A", "StopEvent"]);
    expect(() => h.streamEvents({ from: -1 })).toThrow(WorkflowRuntimeError);
  });

  it("recovers after the owner dies: journaled steps never run again, the one in flight runs once more", async () => {
    const { process } = sharedStore();
    const first = process();
    const log: string[] = [];
    const never = new Promise<void>(() => {});
    const h = chain(log, first.journal, never).run({ n: 5 });
    while (!log.includes("three three#3")) await new Promise((r) => setImmediate(r));
    first.kill();
    void h; // the first process is gone: its handler never settles

    const second = process({ leaseExpired: true });
    const log2: string[] = [];
    const [again] = await chain(log2, second.journal).recover();
    expect(again?.runId).toBe(h.runId);
    expect(await again).toBe(11);
    expect(log2).toEqual(["three three#3"]);
    const replay: string[] = [];
    for await (const ev of again!.streamEvents({ from: 0 })) replay.push(ev.constructor.name);
    expect(replay).toEqual(["A", "StopEvent"]);
  });

  it("a run waiting for a human survives its process; workflow.sendEvent(runId) resumes it here", async () => {
    const { process } = sharedStore();
    const first = process();
    const log: string[] = [];
    const h = approval(log, first.journal).run();
    for await (const ev of h.streamEvents()) if (ev instanceof Ask) break;
    first.kill();

    const second = process({ leaseExpired: true });
    const wf = approval(log, second.journal);
    await wf.sendEvent(h.runId, new Answer({ ok: true }));
    while ((await second.journal.listRuns({ status: "completed" })).length === 0)
      await new Promise((r) => setImmediate(r));
    // Resuming a finished run gives its result.
    expect(await wf.resume(h.runId)).toBe("approved");
    expect(log).toEqual(["before wait ask#1", "before wait ask#1", "after wait ask#1"]);
  });

  it("a run whose chosen id another owner has claimed fails with RunOwnedError, journals nothing, and starts once the claim is free", async () => {
    // As when a process dies after claiming a run id and before journaling the run's header.
    const journal = memoryJournal();
    expect(await journal.claim("order-1", "dead-process", 60_000)).toBe(true);
    const log: string[] = [];
    const refused = chain(log, journal).run({ n: 1 }, { runId: "order-1" });
    await expect(refused).rejects.toBeInstanceOf(RunOwnedError);
    await expect(refused).rejects.toThrow(/order-1 is driven by another live process/);
    expect(await journal.read("order-1")).toEqual([]);
    expect(log).toEqual([]);

    await journal.release("order-1", "dead-process");
    expect(await chain(log, journal).run({ n: 1 }, { runId: "order-1" })).toBe(3);
    expect(log).toEqual(["one one#1", "two two#2", "three three#3"]);
  });

  it("names what is wrong: an unknown run id, a run owned by a live process, no journal", async () => {
    const journal = memoryJournal();
    await expect(approval([], journal).resume("no-such-run")).rejects.toBeInstanceOf(
      RunNotFoundError,
    );
    const h = approval([], journal).run();
    for await (const ev of h.streamEvents()) if (ev instanceof Ask) break;
    await expect(approval([], journal).resume(h.runId)).rejects.toBeInstanceOf(RunOwnedError);
    class NoJournal extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent());
    }
    await expect(new NoJournal().recover()).rejects.toThrow(/needs a journal/);
    expect(() => new NoJournal().resume("x")).toThrow(/needs a journal/);
    await h.cancel();
  });
});
