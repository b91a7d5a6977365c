// The calls made in one tick (claims, appends, releases) go to the server in one round trip and
// commit together in call order, each succeeding or failing on its own: a durable run costs one
// round trip per journal write, its claim and release riding along.
import {
  Event,
  JournalConflictError,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";
import { expect, it } from "vitest";
import { z } from "zod";
import { entry } from "./support/entries.js";
import { usePostgres } from "./support/postgres.js";
import { startProxy } from "./support/proxy.js";

const db = usePostgres();

class Begin extends StartEvent.define({ n: z.number() }) {
  static override typeName = "Begin";
}
class Half extends Event.define({ n: z.number() }, { name: "Half" }) {}
class Twice extends Event.define({ n: z.number() }, { name: "Twice" }) {}

class Chain extends Workflow {
  static override workflowName = "Chain";
  a = step({ accepts: [Begin], emits: [Half] }, (ev) => new Half({ n: ev.n }));
  b = step({ accepts: [Half], emits: [Twice] }, (ev) => new Twice({ n: ev.n * 2 }));
  c = step({ accepts: [Twice], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.n }));
}

/** A journal on a schema of its own, through a proxy that counts round trips. */
async function counted() {
  const proxy = await startProxy({ host: "127.0.0.1", port: 5432 });
  const journal = db.journal(
    {},
    { connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test` },
  );
  await journal.listRuns(); // schema and connection ready
  return { proxy, journal };
}

it("runs a sequential 3-step durable run in 4 round trips: its claim with the header, its release with the end", async () => {
  const { proxy, journal } = await counted();
  try {
    const wf = new Chain({ journal });
    expect(await wf.run({ n: 4 })).toBe(8); // warm: the pool has its connection
    const before = proxy.roundTrips;
    expect(await wf.run({ n: 5 })).toBe(10);
    expect(proxy.roundTrips - before).toBe(4);
    const [run] = await journal.listRuns();
    expect(run!.status).toBe("completed");
    expect((await journal.read(run!.runId)).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    // Its claim went with its last entry: another owner may take the run at once.
    expect(await journal.claim(run!.runId, "another", 60_000)).toBe(true);
  } finally {
    await proxy.close();
  }
});

it("sends claims, appends and releases of one tick in one round trip, each with its own outcome", async () => {
  const { proxy, journal } = await counted();
  try {
    await journal.append([entry("taken", 0)]);
    await journal.claim("held", "B", 60_000);
    const before = proxy.roundTrips;
    const outcomes = await Promise.allSettled([
      journal.claim("new", "A", 60_000),
      journal.append([entry("new", 0)]),
      journal.append([entry("taken", 0)]), // a seq already stored: this append alone fails
      journal.claim("held", "A", 60_000), // another owner's: refused
      journal.append([entry("new", 1), entry("other", 0)]),
      journal.release("new", "A"),
      journal.claim("other", "A", 60_000),
    ]);
    expect(proxy.roundTrips - before).toBe(1);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : "rejected"))).toEqual([
      true,
      undefined,
      "rejected",
      false,
      undefined,
      undefined,
      true,
    ]);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(JournalConflictError);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ runId: "taken", seq: 0 });
    expect((await journal.read("new")).map((e) => e.seq)).toEqual([0, 1]);
    expect((await journal.read("other")).map((e) => e.seq)).toEqual([0]);
    expect((await journal.read("taken")).length).toBe(1);
    // In call order: "new" was claimed, then released; "other" stays A's.
    expect(await journal.claim("new", "C", 60_000)).toBe(true);
    expect(await journal.claim("other", "C", 60_000)).toBe(false);
    expect(await journal.claim("held", "C", 60_000)).toBe(false);
  } finally {
    await proxy.close();
  }
});

it("refuses a run id holding NUL up front, leaving the other calls of its tick alone", async () => {
  const journal = db.journal();
  const [bad, good] = await Promise.allSettled([
    journal.claim("a\u0000b", "A", 60_000),
    journal.append([entry("r", 0)]),
  ]);
  expect(bad.status).toBe("rejected");
  expect((bad as PromiseRejectedResult).reason).toMatchObject({
    name: "JournalError",
    message: expect.stringContaining("NUL") as unknown,
  });
  expect(good.status).toBe("fulfilled");
  expect((await journal.read("r")).length).toBe(1);
});

it("claims a new run with its header in one tick, and as any claim when the header is refused", async () => {
  const journal = db.journal();
  await journal.append([entry("B's", 0)]);
  await journal.claim("B's", "B", 60_000);
  await journal.append([entry("nobody's", 0)]);
  expect(await journal.claim("chosen", "A", 60_000)).toBe(true); // before its header, alone
  const outcomes = await Promise.allSettled([
    journal.claim("fresh", "A", 60_000),
    journal.claim("chosen", "A", 60_000),
    journal.append([entry("fresh", 0), entry("chosen", 0)]),
    journal.claim("B's", "A", 60_000),
    journal.claim("nobody's", "A", 60_000),
    journal.claim("lost", "A", 60_000),
    // "B's" and "nobody's" are stored: this append fails as a whole, "lost" with it.
    journal.append([entry("B's", 0), entry("nobody's", 0), entry("lost", 0)]),
  ]);
  expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : "rejected"))).toEqual([
    true,
    true,
    undefined,
    false,
    true,
    true,
    "rejected",
  ]);
  expect((outcomes[6] as PromiseRejectedResult).reason).toBeInstanceOf(JournalConflictError);
  expect((await journal.listRuns()).map((r) => r.runId).sort()).toEqual([
    "B's",
    "chosen",
    "fresh",
    "nobody's",
  ]);
  expect(await journal.read("lost")).toEqual([]);
  for (const runId of ["fresh", "chosen", "nobody's", "lost"]) {
    expect(await journal.claim(runId, "C", 60_000)).toBe(false); // A's
  }
  expect(await journal.claim("B's", "C", 60_000)).toBe(false); // still B's
  await journal.release("lost", "A");
  expect(await journal.claim("lost", "C", 60_000)).toBe(true);
});

it("releases a run with its last entry in one tick, and on its own when that append is refused", async () => {
  const journal = db.journal();
  await journal.append([entry("ends", 0), entry("refused", 0), entry("stored", 0)]);
  await journal.claim("ends", "A", 60_000);
  await journal.claim("refused", "A", 60_000);
  await journal.claim("stored", "B", 60_000);
  const outcomes = await Promise.allSettled([
    journal.append([entry("ends", 1, { status: "completed" })]),
    journal.release("ends", "A"),
    // "stored" has its seq 0 already: this append fails as a whole.
    journal.append([entry("refused", 1, { status: "failed" }), entry("stored", 0)]),
    journal.release("refused", "A"),
    journal.release("stored", "A"), // not A's: nothing happens
  ]);
  expect(outcomes.map((o) => o.status)).toEqual([
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
  ]);
  const runs = await journal.listRuns();
  expect(Object.fromEntries(runs.map((r) => [r.runId, r.status]))).toEqual({
    ends: "completed",
    refused: "running",
    stored: "running",
  });
  expect(await journal.claim("ends", "C", 60_000)).toBe(true);
  expect(await journal.claim("refused", "C", 60_000)).toBe(true);
  expect(await journal.claim("stored", "C", 60_000)).toBe(false); // still B's
});
