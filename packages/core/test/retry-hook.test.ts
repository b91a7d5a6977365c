import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  Event,
  type RetryAttemptInfo,
  type RetryPolicy,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  WorkflowRuntimeError,
  step,
} from "../src/index.js";
import { deferred, work } from "./support/control.js";

class Job extends Event.define({ id: z.string() }) {}
class Done extends Event.define({ id: z.string() }) {}

class Flaky extends Error {
  constructor(readonly attempt: number) {
    super(`attempt ${attempt} failed`);
  }
}

/** A policy that records what it is asked and answers with `answer`. */
function recordingPolicy(answer: (info: RetryAttemptInfo) => number | null) {
  const asked: RetryAttemptInfo[] = [];
  const policy: RetryPolicy = {
    next(info) {
      asked.push(info);
      return answer(info);
    },
  };
  return { policy, asked };
}

async function settledError(p: PromiseLike<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("a step's retry policy", () => {
  it("is asked after each failure with the 1-based attempt, a monotonic elapsedMs and the error", async () => {
    const { policy, asked } = recordingPolicy(({ attempt }) => (attempt < 3 ? 15 : null));
    const seen: { attempt: number; lastError: unknown }[] = [];
    class Retrying extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent], retry: policy }, async (_ev, ctx) => {
        seen.push({ attempt: ctx.retry.attempt, lastError: ctx.retry.lastError });
        if (ctx.retry.attempt < 3) throw new Flaky(ctx.retry.attempt);
        return new StopEvent({ result: `ok on ${ctx.retry.attempt}` });
      });
    }
    expect(await new Retrying().run()).toBe("ok on 3");
    expect(asked.map((a) => a.attempt)).toEqual([1, 2]);
    expect(asked.map((a) => (a.error as Flaky).attempt)).toEqual([1, 2]);
    expect(asked[0]!.elapsedMs).toBeGreaterThanOrEqual(0);
    // The second failure comes after a 15 ms wait, measured from the first attempt's start.
    expect(asked[1]!.elapsedMs).toBeGreaterThanOrEqual(asked[0]!.elapsedMs + 14);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(seen[0]!.lastError).toBeUndefined();
    expect(seen[1]!.lastError).toBe(asked[0]!.error);
    expect(seen[2]!.lastError).toBe(asked[1]!.error);
  });

  it("fails the run with the last error, and the attempt count, once the policy gives up", async () => {
    const { policy } = recordingPolicy(({ attempt }) => (attempt < 2 ? 0 : null));
    class GivesUp extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent], retry: policy }, (_ev, ctx) => {
        throw new Flaky(ctx.retry.attempt);
      });
    }
    const handler = new GivesUp().run();
    const events: Event[] = [];
    for await (const ev of handler.streamEvents()) events.push(ev);
    const error = await settledError(handler);
    expect(error).toBeInstanceOf(Flaky);
    expect((error as Flaky).attempt).toBe(2);
    const failed = events.at(-1) as WorkflowFailedEvent;
    expect(failed).toBeInstanceOf(WorkflowFailedEvent);
    expect(failed.attempts).toBe(2);
    expect(failed.error).toBe(error);
  });

  it("retries sync steps", async () => {
    let calls = 0;
    class Sync extends Workflow {
      go = step(
        { accepts: [StartEvent], emits: [StopEvent], retry: { next: () => 0 } },
        (_ev, ctx) => {
          calls++;
          if (ctx.retry.attempt === 1) throw new Flaky(1);
          return new StopEvent({ result: ctx.retry.attempt });
        },
      );
    }
    expect(await new Sync().run()).toBe(2);
    expect(calls).toBe(2);
  });

  it("does not hold a worker slot while waiting: another event of the same step runs meanwhile", async () => {
    const order: string[] = [];
    const policy: RetryPolicy = { next: () => 0 };
    class OneWorker extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        ctx.sendEvent(new Job({ id: "a" }));
        ctx.sendEvent(new Job({ id: "b" }));
      });
      job = step(
        { accepts: [Job], emits: [Done], numWorkers: 1, retry: policy },
        async (ev, ctx) => {
          order.push(`${ev.id}${ctx.retry.attempt}`);
          if (ev.id === "a" && ctx.retry.attempt === 1) throw new Flaky(1);
          return new Done({ id: ev.id });
        },
      );
      gather = step({ accepts: [Done], emits: [StopEvent] }, (ev, ctx) => {
        const both = ctx.collectEvents(ev, Done, { count: 2 });
        return both === null ? null : new StopEvent({ result: both.map((d) => d.id) });
      });
    }
    expect(await new OneWorker().run()).toEqual(["b", "a"]);
    // b started on the single worker while a was waiting to retry.
    expect(order).toEqual(["a1", "b1", "a2"]);
  });

  it("lets another event of the same step finish while a long retry wait is pending", async () => {
    const bDone = deferred();
    class OneWorker extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        ctx.sendEvent(new Job({ id: "a" }));
        ctx.sendEvent(new Job({ id: "b" }));
      });
      job = step(
        {
          accepts: [Job],
          emits: [StopEvent],
          numWorkers: 1,
          retry: { next: () => 60_000 },
        },
        async (ev, ctx) => {
          if (ev.id === "a") throw new Flaky(ctx.retry.attempt);
          bDone.resolve();
          return new StopEvent({ result: "b finished while a waited" });
        },
      );
    }
    const handler = new OneWorker().run();
    await bDone.promise;
    expect(await handler).toBe("b finished while a waited");
  });

  it("fails the run with the error a throwing policy throws", async () => {
    class PolicyBug extends Error {}
    const bug = new PolicyBug("policy broke");
    class Throwing extends Workflow {
      go = step(
        {
          accepts: [StartEvent],
          emits: [StopEvent],
          retry: {
            next: () => {
              throw bug;
            },
          },
        },
        () => {
          throw new Flaky(1);
        },
      );
    }
    const handler = new Throwing().run();
    const events: Event[] = [];
    for await (const ev of handler.streamEvents()) events.push(ev);
    expect(await settledError(handler)).toBe(bug);
    expect((events.at(-1) as WorkflowFailedEvent).error).toBe(bug);
  });

  it.each([-1, Number.NaN, Infinity, "10"])(
    "fails the run with WorkflowRuntimeError when the policy returns %s",
    async (bad) => {
      class BadDelay extends Workflow {
        go = step(
          {
            accepts: [StartEvent],
            emits: [StopEvent],
            retry: { next: () => bad as number },
          },
          () => {
            throw new Flaky(1);
          },
        );
      }
      const error = await settledError(new BadDelay().run());
      expect(error).toBeInstanceOf(WorkflowRuntimeError);
      expect((error as Error).message).toContain("go");
    },
  );

  it("is not consulted for a step that returns something that is not an event", async () => {
    const { policy, asked } = recordingPolicy(() => 0);
    class Wrong extends Workflow {
      go = step(
        { accepts: [StartEvent], emits: [StopEvent], retry: policy },
        () => "not an event" as never,
      );
    }
    expect(await settledError(new Wrong().run())).toBeInstanceOf(WorkflowRuntimeError);
    expect(asked).toEqual([]);
  });

  it("measures elapsedMs on a monotonic clock, unaffected by the wall clock jumping back", async () => {
    const { policy, asked } = recordingPolicy(({ attempt }) => (attempt < 3 ? 5 : null));
    let wall = Date.now();
    const spy = vi.spyOn(Date, "now").mockImplementation(() => (wall -= 3_600_000));
    try {
      class Jumpy extends Workflow {
        go = step({ accepts: [StartEvent], emits: [StopEvent], retry: policy }, (_ev, ctx) => {
          if (ctx.retry.attempt < 3) throw new Flaky(ctx.retry.attempt);
          return new StopEvent({ result: "ok" });
        });
      }
      expect(await new Jumpy().run()).toBe("ok");
    } finally {
      spy.mockRestore();
    }
    expect(asked).toHaveLength(2);
    expect(asked[0]!.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(asked[1]!.elapsedMs).toBeGreaterThanOrEqual(asked[0]!.elapsedMs + 4);
    expect(asked[1]!.elapsedMs).toBeLessThan(60_000);
  });

  it("measures elapsedMs per invocation, from that invocation's first attempt", async () => {
    const { policy, asked } = recordingPolicy(({ attempt }) => (attempt < 2 ? 0 : null));
    class Two extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        ctx.sendEvent(new Job({ id: "a" }));
      });
      job = step(
        { accepts: [Job], emits: [Job, StopEvent], numWorkers: 1, retry: policy },
        async (ev, ctx) => {
          if (ctx.retry.attempt === 1) throw new Flaky(1);
          if (ev.id === "a") {
            await work(40);
            return new Job({ id: "b" });
          }
          return new StopEvent({ result: "done" });
        },
      );
    }
    expect(await new Two().run()).toBe("done");
    expect(asked.map((a) => a.attempt)).toEqual([1, 1]);
    // b's first failure is measured from b's own start, not a's (which was 40+ ms earlier).
    expect(asked[1]!.elapsedMs).toBeLessThan(40);
  });
});

describe("retrying a fan-in step", () => {
  class Res extends Event.define({ n: z.number() }) {}

  it("gives the retried attempt the batch the failed attempt collected", async () => {
    const batches: number[][] = [];
    class Gather extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Res] }, (_ev, ctx) => {
        for (const n of [1, 2, 3]) ctx.sendEvent(new Res({ n }));
      });
      gather = step(
        {
          accepts: [Res],
          emits: [StopEvent],
          retry: { next: ({ attempt }) => (attempt < 2 ? 0 : null) },
        },
        async (ev, ctx) => {
          const all = ctx.collectEvents(ev, Res, { count: 3 });
          if (all === null) return null;
          batches.push(all.map((r) => r.n));
          if (ctx.retry.attempt === 1) throw new Flaky(1);
          return new StopEvent({ result: all.map((r) => r.n) });
        },
      );
    }
    expect(await new Gather({ timeout: 2_000 }).run()).toEqual([1, 2, 3]);
    expect(batches).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it("does not buffer the event twice when an attempt that got null is retried", async () => {
    const retried = deferred();
    class Gather extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Res] }, async (_ev, ctx) => {
        ctx.sendEvent(new Res({ n: 1 }));
        await retried.promise;
        ctx.sendEvent(new Res({ n: 2 }));
      });
      gather = step(
        {
          accepts: [Res],
          emits: [StopEvent],
          retry: { next: ({ attempt }) => (attempt < 2 ? 0 : null) },
        },
        (ev, ctx) => {
          const pair = ctx.collectEvents(ev, Res, { count: 2 });
          if (ev.n === 1 && ctx.retry.attempt === 1) throw new Flaky(1);
          if (ev.n === 1) retried.resolve();
          // Buffering Res 1 again on its retry would make the batch [1, 1].
          return pair === null ? null : new StopEvent({ result: pair.map((r) => r.n) });
        },
      );
    }
    expect(await new Gather({ timeout: 2_000 }).run()).toEqual([1, 2]);
  });
});
