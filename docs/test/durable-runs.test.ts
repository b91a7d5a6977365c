// The "Durable runs" page's samples: a run waiting for a human outlives its process (two
// journals on one SQLite file), a real child process killed with SIGKILL and recovered, and
// snapshots.
import { format } from "node:util";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

/** Imports a docs example (which runs it) and returns what it printed, one string per console.log. */
async function run(example: string): Promise<string[]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL(`../examples/${example}.ts`, import.meta.url).href);
  return log.mock.calls.map((args) => format(...args));
}

it("durable runs: A dies waiting, B recovers the run from the file, charges once, replays the stream", async () => {
  expect(await run("durable-runs")).toEqual([
    "A: journaled, waiting",
    "B: o-1: shipped 42",
    "AskApproval StopEvent",
    "charged 1 time(s)",
  ]);
});

it("durable runs: a child process killed with SIGKILL mid-wait; its run is recovered and finished", async () => {
  expect(await run("durable-runs-crash")).toEqual([
    "child SIGKILL",
    "recovered the child's run",
    "o-1: shipped",
    "before the wait (approve#1)",
  ]);
});

// DESIGN.md's own example: the answer sent right after resume(snapshot) waits in the buffer
// for the invocation that runs again (packages/sqlite/test/core-bug-resume-snapshot-answer.test.ts).
it(
  "durable runs: a snapshot resumed in memory, also on a journaled workflow (not journaled)",
  { timeout: 10_000 },
  async () => {
    expect(await run("durable-runs-snapshot")).toEqual(["o-2: shipped true", "o-2: cancelled 0"]);
  },
);
