import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "../src/index.js";
import { ConcurrencyProbe, type Deferred, deferred, work } from "./support/control.js";

class Job extends Event.define({ n: z.number() }) {}
class JobDone extends Event.define({ n: z.number() }) {}

/**
 * Fans `jobs` Job events out of the start step, runs them on a pool of `numWorkers`, and fans
 * the results back in. `body` is each job's work.
 */
function fanOutWorkflow(
  jobs: number,
  numWorkers: number | undefined,
  body: (n: number, ctx: Context) => Promise<void>,
  onSent: () => void = () => {},
) {
  return class FanOut extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
      for (let n = 0; n < jobs; n++) ctx.sendEvent(new Job({ n }));
      onSent();
    });
    job = step(
      { accepts: [Job], emits: [JobDone], ...(numWorkers === undefined ? {} : { numWorkers }) },
      async (ev, ctx) => {
        await body(ev.n, ctx);
        return new JobDone({ n: ev.n });
      },
    );
    gather = step({ accepts: [JobDone], emits: [StopEvent] }, (ev, ctx) => {
      const all = ctx.collectEvents(ev, JobDone, { count: jobs });
      return all === null ? null : new StopEvent({ result: all.map((d) => d.n) });
    });
  };
}

async function peakFor(numWorkers: number | undefined, jobs: number) {
  const probe = new ConcurrencyProbe();
  const release = deferred();
  const sent = deferred();
  const Wf = fanOutWorkflow(
    jobs,
    numWorkers,
    () => probe.around(() => release.promise),
    () => sent.resolve(),
  );
  const handler = new Wf().run();
  await sent.promise;
  // Every Job has been routed by now; only the pool limit holds the rest back.
  const startedBeforeRelease = probe.entered;
  const inFlightBeforeRelease = probe.current;
  release.resolve();
  const result = await handler;
  return { startedBeforeRelease, inFlightBeforeRelease, peak: probe.peak, result };
}

describe("per-step worker pools", () => {
  it.each([1, 4, 8])(
    "runs at most numWorkers=%i invocations of a step at once and queues the rest",
    async (numWorkers) => {
      const jobs = 20;
      const { startedBeforeRelease, inFlightBeforeRelease, peak, result } = await peakFor(
        numWorkers,
        jobs,
      );
      expect(startedBeforeRelease).toBe(numWorkers);
      expect(inFlightBeforeRelease).toBe(numWorkers);
      expect(peak).toBe(numWorkers);
      expect(result).toHaveLength(jobs);
    },
  );

  it("defaults to 4 workers per step", async () => {
    const { inFlightBeforeRelease, peak } = await peakFor(undefined, 10);
    expect(inFlightBeforeRelease).toBe(4);
    expect(peak).toBe(4);
  });

  it("starts queued invocations of a step in arrival order", async () => {
    const started: number[] = [];
    const Wf = fanOutWorkflow(12, 2, async (n) => {
      started.push(n);
      await work(n % 3);
    });
    const result = await new Wf().run();
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect([...(result as number[])].sort((a, b) => a - b)).toEqual(started);
  });

  it("runs different steps concurrently with each other, each with its own pool", async () => {
    class Ping extends Event.define({ n: z.number() }) {}
    class Left extends Event.define({}) {}
    class Right extends Event.define({}) {}
    const probe = new ConcurrencyProbe();
    const release = deferred();
    class TwoPools extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping] }, () => new Ping({ n: 1 }));
      left = step({ accepts: [Ping], emits: [Left], numWorkers: 1 }, async () => {
        await probe.around(() => release.promise);
        return new Left({});
      });
      right = step({ accepts: [Ping], emits: [Right], numWorkers: 1 }, async () => {
        await probe.around(() => release.promise);
        return new Right({});
      });
      join = step({ accepts: [Left, Right], emits: [StopEvent] }, (ev, ctx) => {
        const both = ctx.collectEvents(ev, [Left, Right]);
        return both === null ? null : new StopEvent({ result: "joined" });
      });
    }
    const handler = new TwoPools().run();
    await probe.entries(2);
    expect(probe.current).toBe(2);
    release.resolve();
    expect(await handler).toBe("joined");
  });

  // The seed article's numbers: 8 jobs of 200 ms take about 1.6 s on one worker, 0.4 s on four
  // and 0.2 s on eight. Lower bounds are exact (timers never fire early); upper bounds leave
  // room for a loaded machine.
  it.each([
    { numWorkers: 1, min: 1_600, max: 4_000 },
    { numWorkers: 4, min: 400, max: 1_300 },
    { numWorkers: 8, min: 200, max: 1_000 },
  ])(
    "runs 8 jobs of 200 ms in about 8/$numWorkers x 200 ms with $numWorkers worker(s)",
    async ({ numWorkers, min, max }) => {
      const Wf = fanOutWorkflow(8, numWorkers, () => work(200));
      const t0 = performance.now();
      const result = await new Wf().run();
      const elapsed = performance.now() - t0;
      expect(result).toHaveLength(8);
      expect(elapsed).toBeGreaterThanOrEqual(min - 5);
      expect(elapsed).toBeLessThan(max);
    },
  );
});

describe("concurrent runs on one instance", () => {
  class Tick extends Event.define({ label: z.string() }) {}

  class Labelled extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Tick] }, async (ev, ctx) => {
      const label = String(ev["label"]);
      await ctx.store.set("label", label);
      ctx.writeEventToStream(new Tick({ label }));
      return new Tick({ label });
    });
    finish = step(
      { accepts: [Tick], emits: [StopEvent], numWorkers: 1 },
      async (ev, ctx: Context<{ label: string }>) => {
        const gate = gates.get(ev.label);
        if (gate !== undefined) await gate.promise;
        return new StopEvent({ result: { label: ev.label, stored: await ctx.store.get("label") } });
      },
    );
  }
  const gates = new Map<string, Deferred<void>>();

  it("gives each run its own context, store, stream, worker pools and result", async () => {
    gates.set("a", deferred());
    gates.set("b", deferred());
    const wf = new Labelled();
    const a = wf.run({ label: "a" });
    const b = wf.run({ label: "b" });
    expect(a.runId).not.toBe(b.runId);
    expect(a.ctx).not.toBe(b.ctx);
    const streamA = (async () => {
      const seen: unknown[] = [];
      for await (const ev of a.streamEvents()) seen.push(ev instanceof Tick ? ev.label : "end");
      return seen;
    })();
    const streamB = (async () => {
      const seen: unknown[] = [];
      for await (const ev of b.streamEvents()) seen.push(ev instanceof Tick ? ev.label : "end");
      return seen;
    })();
    // Release b first: a's gated step (numWorkers 1) must not hold up b's.
    gates.get("b")!.resolve();
    expect(await b).toEqual({ label: "b", stored: "b" });
    expect(a.isDone()).toBe(false);
    gates.get("a")!.resolve();
    expect(await a).toEqual({ label: "a", stored: "a" });
    expect(await streamA).toEqual(["a", "end"]);
    expect(await streamB).toEqual(["b", "end"]);
    expect(await a.ctx.store.get("label")).toBe("a");
    expect(await b.ctx.store.get("label")).toBe("b");
  });

  it("cancelling one run leaves another run of the same instance untouched", async () => {
    gates.set("c", deferred());
    gates.set("d", deferred());
    const wf = new Labelled();
    const c = wf.run({ label: "c" });
    const d = wf.run({ label: "d" });
    await c.cancel();
    expect(c.status).toBe("cancelled");
    expect(d.isDone()).toBe(false);
    gates.get("d")!.resolve();
    expect(await d).toEqual({ label: "d", stored: "d" });
  });
});
