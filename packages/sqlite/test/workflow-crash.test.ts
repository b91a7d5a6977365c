// A durable run on SQLite survives its process: the process is killed with SIGKILL while the run
// waits for a human; a new process on the file recovers it once the dead owner's claim expires.
import { afterEach, expect, it, vi } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import { Answer, approval } from "./support/approval-workflow.js";
import { type Child, startChild } from "./support/child.js";
import { useTempJournals } from "./support/temp.js";

const temp = useTempJournals();
let children: Child[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const child of children) if (child.process.exitCode === null) child.process.kill("SIGKILL");
  await Promise.all(children.map((child) => child.exited));
  children = [];
});

it("recovers a run whose process was killed mid-wait: the claim keeps it until it expires, then the answer completes it", async () => {
  const path = temp.path();
  const first = startChild("approval", path);
  children.push(first);
  const runId = (await first.line((l) => l.startsWith("waiting "))).slice("waiting ".length);
  first.process.kill("SIGKILL");
  expect(await first.exited).toBe("SIGKILL");

  const journal = sqliteJournal({ path });
  try {
    expect(await journal.listRuns()).toMatchObject([
      { runId, workflow: "Approval", status: "running" },
    ]);
    const log: string[] = [];
    const wf = approval(journal, (line) => log.push(line));
    // The dead process's claim has not expired: nothing is taken over yet.
    expect(await wf.recover()).toEqual([]);

    // Past the dead owner's lease (core claims for 10 s): the run is free.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 60_000);
    const [handler] = await wf.recover();
    expect(handler?.runId).toBe(runId);
    handler!.sendEvent(new Answer({ ok: true }));
    expect(await handler).toBe("approved");
    // The code before the wait ran again (at-least-once), with the same invocation id.
    expect(log).toEqual(["before wait ask#1", "after wait ask#1"]);
    expect(await journal.listRuns({ status: "completed" })).toMatchObject([{ runId }]);
  } finally {
    await journal.close();
  }
});
