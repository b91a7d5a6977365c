// What a user of a workflow sees when its steps retry: results, errors, the stream, ctx.retry.
import {
  type Context,
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  step,
} from "@eventloom/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { constantDelay, exponentialBackoff } from "../src/index.js";

class QuoteFetched extends Event.define({ price: z.number() }) {}
class QuoteServiceDown extends Error {
  override readonly name = "QuoteServiceDown";
}

/** start -> fetch (retried, body supplied by the test) -> report -> StopEvent */
function quoteWorkflow(fetch: (ctx: Context) => number, maxAttempts = 3) {
  const executions = { count: 0 };
  class QuoteWorkflow extends Workflow {
    fetch = step(
      {
        accepts: [StartEvent],
        emits: [QuoteFetched],
        retry: constantDelay({ delayMs: 2, maxAttempts }),
      },
      async (_ev, ctx) => {
        executions.count++;
        return new QuoteFetched({ price: fetch(ctx) });
      },
    );
    report = step({ accepts: [QuoteFetched], emits: [StopEvent] }, (ev) => {
      return new StopEvent({ result: `price ${ev.price}` });
    });
  }
  return { workflow: new QuoteWorkflow(), executions };
}

async function collect(stream: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

describe("a step with a retry policy", () => {
  it("completes the run when the step fails twice, then succeeds", async () => {
    let calls = 0;
    const { workflow, executions } = quoteWorkflow(() => {
      calls++;
      if (calls <= 2) throw new QuoteServiceDown(`down (call ${calls})`);
      return 101.5;
    });
    const handler = workflow.run();
    const stream = collect(handler.streamEvents());

    expect(await handler).toBe("price 101.5");
    expect(executions.count).toBe(3);
    expect((await stream).map((e) => e.constructor)).toEqual([StopEvent]);
    expect(handler.history.map((r) => [r.step, r.attempt, r.status])).toEqual([
      ["fetch", 1, "failed"],
      ["fetch", 2, "failed"],
      ["fetch", 3, "completed"],
      ["report", 1, "completed"],
    ]);
  });

  it("fails the run with the step's own error after exactly maxAttempts executions", async () => {
    let calls = 0;
    const { workflow, executions } = quoteWorkflow(() => {
      calls++;
      throw new QuoteServiceDown(`down (call ${calls})`);
    }, 4);
    const handler = workflow.run();
    const stream = collect(handler.streamEvents());

    const error = await handler.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuoteServiceDown);
    expect((error as Error).message).toBe("down (call 4)");
    expect(executions.count).toBe(4);
    expect(handler.status).toBe("failed");

    const events = await stream;
    const failed = events.filter((e) => e instanceof WorkflowFailedEvent);
    expect(failed).toHaveLength(1);
    expect(events.at(-1)).toBe(failed[0]);
    expect(failed[0]).toMatchObject({ step: "fetch", attempts: 4, error });
  });

  it("lets the step read ctx.retry to change course on a retry", async () => {
    const seen: { attempt: number; lastError: unknown }[] = [];
    const primaryDown = new QuoteServiceDown("primary feed down");
    const { workflow } = quoteWorkflow((ctx) => {
      seen.push({ attempt: ctx.retry.attempt, lastError: ctx.retry.lastError });
      // On a retry after the primary feed failed, use the backup feed instead.
      if (ctx.retry.lastError instanceof QuoteServiceDown) return 99;
      throw primaryDown;
    });

    expect(await workflow.run()).toBe("price 99");
    expect(seen).toEqual([
      { attempt: 1, lastError: undefined },
      { attempt: 2, lastError: primaryDown },
    ]);
  });

  it("retries a synchronous step the same way", async () => {
    let calls = 0;
    class SyncWorkflow extends Workflow {
      parse = step(
        { accepts: [StartEvent], emits: [StopEvent], retry: constantDelay({ delayMs: 1 }) },
        () => {
          calls++;
          if (calls < 3) throw new SyntaxError("partial input");
          return new StopEvent({ result: calls });
        },
      );
    }
    expect(await new SyncWorkflow().run()).toBe(3);
  });

  it("shares one policy object between steps and concurrent runs without shared state", async () => {
    const retry = exponentialBackoff({ initialMs: 1, maxAttempts: 3 });
    const attempts: string[] = [];
    class Twice extends Workflow {
      a = step({ accepts: [StartEvent], emits: [QuoteFetched], retry }, (_ev, ctx) => {
        attempts.push(`a${ctx.retry.attempt}`);
        if (ctx.retry.attempt < 3) throw new QuoteServiceDown("a");
        return new QuoteFetched({ price: 1 });
      });
      b = step({ accepts: [QuoteFetched], emits: [StopEvent], retry }, (_ev, ctx) => {
        attempts.push(`b${ctx.retry.attempt}`);
        if (ctx.retry.attempt < 3) throw new QuoteServiceDown("b");
        return new StopEvent({ result: "done" });
      });
    }
    const wf = new Twice();
    expect(await Promise.all([wf.run(), wf.run()])).toEqual(["done", "done"]);
    expect(attempts.filter((a) => a === "a3")).toHaveLength(2);
    expect(attempts.filter((a) => a === "b3")).toHaveLength(2);
    expect(attempts).toHaveLength(12);
  });
});

describe("a retry wait", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not block the step's other events (numWorkers: 1)", async () => {
    vi.useFakeTimers();
    class Job extends Event.define({ id: z.string() }) {}
    class JobDone extends Event.define({ id: z.string() }) {}
    const log: string[] = [];
    let t0 = 0;
    class Jobs extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        ctx.sendEvent(new Job({ id: "a" }));
        ctx.sendEvent(new Job({ id: "b" }));
      });
      work = step(
        {
          accepts: [Job],
          emits: [JobDone],
          numWorkers: 1,
          retry: constantDelay({ delayMs: 1000, maxAttempts: 2 }),
        },
        (ev, ctx) => {
          log.push(`${ev.id} attempt ${ctx.retry.attempt} at ${performance.now() - t0}`);
          if (ev.id === "a" && ctx.retry.attempt === 1) throw new Error("a is flaky");
          return new JobDone({ id: ev.id });
        },
      );
      finish = step({ accepts: [JobDone], emits: [StopEvent] }, (ev, ctx) => {
        const done = ctx.collectEvents(ev, JobDone, { count: 2 });
        return done && new StopEvent({ result: done.map((d) => d.id) });
      });
    }
    t0 = performance.now();
    const handler = new Jobs().run();

    // Before the clock moves, b has been processed while a waits for its retry.
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(["a attempt 1 at 0", "b attempt 1 at 0"]);

    await vi.advanceTimersByTimeAsync(1000);
    expect(await handler).toEqual(["b", "a"]);
    expect(log).toEqual(["a attempt 1 at 0", "b attempt 1 at 0", "a attempt 2 at 1000"]);
  });
});
