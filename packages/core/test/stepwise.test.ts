import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";
import { deferred, work } from "./support/control.js";

class Branch extends Event.define({ id: z.number() }) {}
class Leaf extends Event.define({ id: z.number() }) {}
class Extra extends Event.define({ label: z.string() }) {}

const names = (events: readonly Event[] | null) =>
  events === null
    ? null
    : events.map((e) =>
        e instanceof Branch || e instanceof Leaf
          ? `${e.constructor.name}${e.id}`
          : e.constructor.name,
      );

/**
 * start -> Branch 1..3 (sent) -> each branch waits (3 - id) ms, so they finish in reverse order
 * -> Leaf -> gather stops once all three leaves are in.
 */
class Fan extends Workflow {
  start = step({ accepts: [StartEvent], emits: [Branch] }, (_ev, ctx) => {
    for (const id of [1, 2, 3]) ctx.sendEvent(new Branch({ id }));
  });
  branch = step({ accepts: [Branch], emits: [Leaf] }, async (ev) => {
    await work((3 - ev.id) * 5);
    return new Leaf({ id: ev.id });
  });
  gather = step({ accepts: [Leaf], emits: [StopEvent] }, (ev, ctx) => {
    const all = ctx.collectEvents(ev, Leaf, { count: 3 });
    return all === null ? null : new StopEvent({ result: all.map((l) => l.id) });
  });
}

async function allRounds(wf: Workflow, input = {}) {
  const handler = wf.run(input, { stepwise: true });
  const rounds: (string[] | null)[] = [];
  while (!handler.isDone()) rounds.push(names(await handler.runStep()));
  rounds.push(names(await handler.runStep()));
  return { handler, rounds };
}

describe("stepwise runs", () => {
  it("runs nothing until runStep(), then one round at a time, dispatching a round's events at the next call", async () => {
    let started = 0;
    class Counting extends Workflow {
      go = step({ accepts: [StartEvent], emits: [Extra] }, () => {
        started++;
        return new Extra({ label: "x" });
      });
      end = step(
        { accepts: [Extra], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.label }),
      );
    }
    const handler = new Counting().run({}, { stepwise: true });
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toBe(0);
    expect(names(await handler.runStep())).toEqual(["Extra"]);
    expect(started).toBe(1);
    expect(handler.isDone()).toBe(false);
    expect(names(await handler.runStep())).toEqual(["StopEvent"]);
    expect(handler.isDone()).toBe(true);
    expect(await handler.runStep()).toBeNull();
    expect(await handler).toBe("x");
  });

  it("returns each round's events in a deterministic order, whatever order the steps finish in", async () => {
    const first = await allRounds(new Fan());
    const second = await allRounds(new Fan());
    expect(first.rounds).toEqual([
      ["Branch1", "Branch2", "Branch3"],
      ["Leaf1", "Leaf2", "Leaf3"],
      ["StopEvent"],
      null,
    ]);
    expect(second.rounds).toEqual(first.rounds);
    expect(await first.handler).toEqual([1, 2, 3]);
  });

  it("dispatches events sent with handler.sendEvent at the next runStep()", async () => {
    const seen: string[] = [];
    class Listening extends Workflow {
      go = step({ accepts: [StartEvent], emits: [] }, () => {
        seen.push("start");
      });
      answer = step({ accepts: [HumanResponseEvent], emits: [StopEvent] }, (ev) => {
        seen.push(String(ev["response"]));
        return new StopEvent({ result: seen });
      });
    }
    const handler = new Listening().run({}, { stepwise: true });
    expect(await handler.runStep()).toEqual([]);
    handler.sendEvent(new HumanResponseEvent({ response: "injected" }));
    expect(seen).toEqual(["start"]);
    expect(names(await handler.runStep())).toEqual(["StopEvent"]);
    expect(await handler).toEqual(["start", "injected"]);
  });

  it("resumes a step waiting for an event sent between rounds", async () => {
    let before = 0;
    class Interview extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        before++;
        const answer = await ctx.waitForEvent(HumanResponseEvent, {
          waiterEvent: new InputRequiredEvent({ prompt: "go?" }),
        });
        return new StopEvent({ result: answer["response"] });
      });
    }
    const handler = new Interview().run({}, { stepwise: true });
    const asked: Event[] = [];
    const sub = handler.events$.subscribe((ev) => asked.push(ev));
    // The round ends once the step is waiting: it produced nothing yet.
    expect(await handler.runStep()).toEqual([]);
    expect(asked.map((e) => e.constructor.name)).toEqual(["InputRequiredEvent"]);
    handler.sendEvent(new HumanResponseEvent({ response: "yes" }));
    expect(names(await handler.runStep())).toEqual(["StopEvent"]);
    sub.unsubscribe();
    expect(await handler).toBe("yes");
    expect(before).toBe(1);
  });

  it("rejects runStep() and the handler with the step's original error", async () => {
    class Boom extends Error {}
    class Failing extends Workflow {
      go = step({ accepts: [StartEvent], emits: [Extra] }, () => new Extra({ label: "x" }));
      bad = step({ accepts: [Extra], emits: [StopEvent] }, () => {
        throw new Boom("bad step");
      });
    }
    const handler = new Failing().run({}, { stepwise: true });
    await handler.runStep();
    const error = await handler.runStep().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Boom);
    await expect(handler).rejects.toBe(error);
    await expect(handler.runStep()).rejects.toBe(error);
    expect(handler.status).toBe("failed");
  });

  it("ends the run at a StopEvent in a round and aborts the rest of that round", async () => {
    let slowSignal: AbortSignal | undefined;
    class Race extends Workflow {
      go = step({ accepts: [StartEvent], emits: [Extra] }, () => new Extra({ label: "x" }));
      fast = step(
        { accepts: [Extra], emits: [StopEvent] },
        () => new StopEvent({ result: "fast" }),
      );
      slow = step({ accepts: [Extra], emits: [Branch] }, async (_ev, ctx) => {
        slowSignal = ctx.signal;
        await work(10_000, ctx.signal);
        return new Branch({ id: 1 });
      });
      sink = step({ accepts: [Branch], emits: [] }, () => {});
    }
    const handler = new Race().run({}, { stepwise: true });
    await handler.runStep();
    expect(names(await handler.runStep())).toEqual(["StopEvent"]);
    expect(handler.isDone()).toBe(true);
    expect(slowSignal?.aborted).toBe(true);
    expect(await handler).toBe("fast");
    expect(await handler.runStep()).toBeNull();
  });

  it("waits for a retried step inside the same round", async () => {
    let attempts = 0;
    class Retrying extends Workflow {
      go = step(
        {
          accepts: [StartEvent],
          emits: [StopEvent],
          retry: { next: ({ attempt }) => (attempt < 3 ? 1 : null) },
        },
        () => {
          attempts++;
          if (attempts < 3) throw new Error("flaky");
          return new StopEvent({ result: attempts });
        },
      );
    }
    const handler = new Retrying().run({}, { stepwise: true });
    expect(names(await handler.runStep())).toEqual(["StopEvent"]);
    expect(await handler).toBe(3);
  });

  it("applies the run timeout", async () => {
    const release = deferred();
    class Slow extends Workflow {
      slow = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await release.promise;
        return new StopEvent({ result: "late" });
      });
    }
    const handler = new Slow({ timeout: 30 }).run({}, { stepwise: true });
    const round = handler.runStep();
    await expect(round).rejects.toBeInstanceOf(WorkflowTimeoutError);
    await expect(handler).rejects.toBeInstanceOf(WorkflowTimeoutError);
    expect(handler.status).toBe("timed_out");
    release.resolve();
  });

  it("times out a stepwise run that nobody drives", async () => {
    const handler = new Fan({ timeout: 20 }).run({}, { stepwise: true });
    await expect(handler).rejects.toBeInstanceOf(WorkflowTimeoutError);
    expect(handler.isDone()).toBe(true);
  });

  it("rejects a round that is cancelled, then reports null", async () => {
    const started = deferred();
    class Waiting extends Workflow {
      slow = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        started.resolve();
        await work(10_000, ctx.signal);
        return new StopEvent({ result: "late" });
      });
    }
    const handler = new Waiting().run({}, { stepwise: true });
    const round = handler.runStep();
    await started.promise;
    await handler.cancel();
    await expect(round).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect(await handler.runStep()).toBeNull();
  });

  it("refuses runStep() on a run that is not stepwise, and a second runStep() while one is running", async () => {
    const normal = new Fan().run();
    await expect(normal.runStep()).rejects.toBeInstanceOf(WorkflowRuntimeError);
    expect(((await normal) as number[]).sort()).toEqual([1, 2, 3]);
    const stepwise = new Fan().run({}, { stepwise: true });
    await stepwise.runStep();
    const round = stepwise.runStep();
    await expect(stepwise.runStep()).rejects.toBeInstanceOf(WorkflowRuntimeError);
    await round;
    await stepwise.cancel();
  });
});
