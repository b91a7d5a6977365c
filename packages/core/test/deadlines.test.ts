import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { StartEvent, StopEvent, Workflow, WorkflowTimeoutError, step } from "../src/index.js";
import { addDeadline, deadlineStats } from "../src/runtime/deadlines.js";
import { deferred } from "./support/control.js";

const activeTimeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** A workflow whose one step waits until released. */
function waiting(release: Promise<void>) {
  return class Waiting extends Workflow {
    wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
      await release;
      return new StopEvent({ result: "done" });
    });
  };
}

describe("run deadlines (one shared timer)", () => {
  it("times out runs of different timeouts, started in any order, each at its own deadline", async () => {
    const release = deferred();
    const Waiting = waiting(release.promise);
    const t0 = performance.now();
    const ended: [number, number][] = [];
    const runs = [120, 40, 80, 40].map((timeout) =>
      new Waiting({ timeout }).run().then(
        () => expect.unreachable(),
        (error: unknown) => {
          expect(error).toBeInstanceOf(WorkflowTimeoutError);
          ended.push([timeout, performance.now() - t0]);
        },
      ),
    );
    await Promise.all(runs);
    release.resolve();
    expect(ended.map(([timeout]) => timeout)).toEqual([40, 40, 80, 120]);
    for (const [timeout, at] of ended) {
      expect(at).toBeGreaterThanOrEqual(timeout - 1);
      expect(at).toBeLessThan(timeout + 2_000);
    }
    expect(deadlineStats()).toEqual({ live: 0, queued: 0, armed: false });
  });

  it("fires deadlines of different durations in the order they fell due when the timer is late", async () => {
    const release = deferred();
    const Waiting = waiting(release.promise);
    const ended: number[] = [];
    const runs = [120, 40, 80].map((timeout) =>
      new Waiting({ timeout }).run().catch(() => void ended.push(timeout)),
    );
    // A busy process: the timer cannot fire until all three deadlines have passed.
    const until = performance.now() + 150;
    while (performance.now() < until);
    await Promise.all(runs);
    release.resolve();
    expect(ended).toEqual([40, 80, 120]);
  });

  it("keeps the deadline of runs still going when others end first", async () => {
    const slow = deferred();
    const SlowWf = waiting(slow.promise);
    const fast = deferred();
    const FastWf = waiting(fast.promise);
    const first = new FastWf({ timeout: 10_000 }).run();
    const timedOut = new SlowWf({ timeout: 60 }).run();
    const last = new FastWf({ timeout: 10_000 }).run();
    fast.resolve();
    expect(await first).toBe("done");
    expect(await last).toBe("done");
    await expect(timedOut).rejects.toBeInstanceOf(WorkflowTimeoutError);
    slow.resolve();
  });

  it("holds no active timer once every run has ended", async () => {
    const before = activeTimeouts();
    class Quick extends Workflow {
      quick = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        return new StopEvent({ result: 1 });
      });
    }
    const wf = new Quick();
    for (let i = 0; i < 100; i++) expect(await wf.run()).toBe(1);
    const all = await Promise.all(Array.from({ length: 100 }, () => wf.run()));
    expect(all.every((r) => r === 1)).toBe(true);
    expect(activeTimeouts()).toBe(before);
    expect(deadlineStats()).toMatchObject({ live: 0, queued: 0, armed: false });
  });

  it("lets a script exit as soon as its run is done (the 45 s default does not hold it)", () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const script = `
      import { StartEvent, StopEvent, Workflow, step } from "${resolve(here, "../src/index.ts")}";
      class Hello extends Workflow {
        hello = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => new StopEvent({ result: "hi" }));
      }
      console.log(await new Hello().run());
    `;
    const t0 = performance.now();
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: resolve(here, ".."),
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(out.trim()).toBe("hi");
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it("queues no more cancelled deadlines than live ones when runs end out of order", () => {
    const fired: number[] = [];
    const deadlines = Array.from({ length: 10_000 }, (_, i) =>
      addDeadline(60_000, { onDeadline: () => fired.push(i) }),
    );
    // End every run but one, in an order that leaves dead entries in the middle of the queue.
    for (let i = 1; i < deadlines.length; i += 2) deadlines[i]!.cancel();
    for (let i = 2; i < deadlines.length; i += 2) deadlines[i]!.cancel();
    const stats = deadlineStats();
    expect(stats.live).toBe(1);
    expect(stats.queued).toBeLessThanOrEqual(2 * 65);
    expect(stats.armed).toBe(true);
    deadlines[0]!.cancel();
    expect(deadlineStats()).toEqual({ live: 0, queued: 0, armed: false });
    expect(fired).toEqual([]);
  });
});
