import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";

class Question extends InputRequiredEvent.define({ prompt: z.string(), id: z.number() }) {}
class Answer extends HumanResponseEvent.define({ text: z.string(), id: z.number() }) {}

async function settledError(p: PromiseLike<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe("ctx.waitForEvent: human in the loop", () => {
  it("writes the waiter event to the stream, resumes with the answer from handler.sendEvent, and runs the code before the wait once", async () => {
    let before = 0;
    class Interview extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        before++;
        const answer = await ctx.waitForEvent(HumanResponseEvent, {
          waiterEvent: new InputRequiredEvent({ prompt: "Buy NVDA?" }),
        });
        return new StopEvent({ result: `answer: ${String(answer["response"])}` });
      });
    }
    const handler = new Interview().run();
    const seen: string[] = [];
    for await (const ev of handler.streamEvents()) {
      seen.push(ev.constructor.name);
      if (ev instanceof InputRequiredEvent) {
        expect(ev["prompt"]).toBe("Buy NVDA?");
        handler.sendEvent(new HumanResponseEvent({ response: "yes" }));
      }
    }
    expect(await handler).toBe("answer: yes");
    expect(seen).toEqual(["InputRequiredEvent", "StopEvent"]);
    expect(before).toBe(1);
  });

  it("accepts an answer sent synchronously from an events$ subscriber as the question is written", async () => {
    class Interview extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        const answer = await ctx.waitForEvent(Answer, {
          waiterEvent: new Question({ prompt: "now?", id: 1 }),
        });
        return new StopEvent({ result: answer.text });
      });
    }
    const handler = new Interview().run();
    handler.events$.subscribe((ev) => {
      if (ev instanceof Question) handler.sendEvent(new Answer({ text: "right away", id: ev.id }));
    });
    expect(await handler).toBe("right away");
  });

  it("resumes only for an event that meets the requirements", async () => {
    class Interview extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        const answer = await ctx.waitForEvent(Answer, {
          requirements: { id: 2 },
          waiterEvent: new Question({ prompt: "second?", id: 2 }),
        });
        return new StopEvent({ result: answer.text });
      });
    }
    const handler = new Interview().run();
    for await (const ev of handler.streamEvents()) {
      if (ev instanceof Question) {
        handler.sendEvent(new Answer({ text: "for someone else", id: 1 }));
        handler.sendEvent(new Answer({ text: "mine", id: ev.id }));
      }
    }
    expect(await handler).toBe("mine");
  });

  it("wakes one waiter per event, the oldest first, when several wait for the same class", async () => {
    class Both extends Event.define({ n: z.number() }) {}
    class Two extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Both] }, (_ev, ctx) => {
        ctx.sendEvent(new Both({ n: 1 }));
        ctx.sendEvent(new Both({ n: 2 }));
      });
      wait = step({ accepts: [Both], emits: [StopEvent] }, async (ev, ctx) => {
        ctx.writeEventToStream(ev);
        const answer = await ctx.waitForEvent(Answer);
        const got = ctx.collectEvents(new Both({ n: ev.n * 10 + answer.id }), Both, { count: 2 });
        return got === null ? null : new StopEvent({ result: got.map((b) => b.n).sort() });
      });
    }
    const handler = new Two().run();
    let waiting = 0;
    for await (const ev of handler.streamEvents()) {
      if (ev instanceof Both && ++waiting === 2) {
        handler.sendEvent(new Answer({ text: "go", id: 5 }));
        handler.sendEvent(new Answer({ text: "go", id: 6 }));
      }
    }
    expect(await handler).toEqual([15, 26]);
  });

  it("rejects with StepTimeoutError after its timeout, which the step may catch", async () => {
    class Patient extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        try {
          await ctx.waitForEvent(Answer, { timeout: 20 });
          return new StopEvent({ result: "answered" });
        } catch (e) {
          return new StopEvent({ result: e instanceof StepTimeoutError ? e.step : "other" });
        }
      });
    }
    expect(await new Patient().run()).toBe("ask");
  });

  it("fails the run with StepTimeoutError when the step does not catch the wait's timeout", async () => {
    class Impatient extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.waitForEvent(Answer, { timeout: 20 });
        return new StopEvent({ result: "answered" });
      });
    }
    const error = await settledError(new Impatient().run());
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as StepTimeoutError).timeoutMs).toBe(20);
  });

  it("is named as active when the run times out during the wait", async () => {
    class Waiting extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        await ctx.waitForEvent(Answer);
        return new StopEvent({ result: "answered" });
      });
    }
    const error = await settledError(new Waiting({ timeout: 30 }).run());
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    expect((error as WorkflowTimeoutError).activeSteps).toEqual(["ask"]);
  });

  it("rejects the wait with WorkflowCancelledError and aborts ctx.signal when the run is cancelled", async () => {
    const waitError = deferred<unknown>();
    let signal: AbortSignal | undefined;
    class Waiting extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        signal = ctx.signal;
        try {
          await ctx.waitForEvent(Answer, { waiterEvent: new Question({ prompt: "?", id: 1 }) });
        } catch (e) {
          waitError.resolve(e);
          throw e;
        }
        return new StopEvent({ result: "answered" });
      });
    }
    const handler = new Waiting().run();
    for await (const ev of handler.streamEvents())
      if (ev instanceof Question) void handler.cancel();
    expect(await waitError.promise).toBeInstanceOf(WorkflowCancelledError);
    expect(signal?.aborted).toBe(true);
    expect(await settledError(handler)).toBeInstanceOf(WorkflowCancelledError);
  });

  it("throws WorkflowRuntimeError on handler.ctx", async () => {
    class Quick extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
    }
    const handler = new Quick().run();
    expect(() => handler.ctx.waitForEvent(Answer)).toThrow(WorkflowRuntimeError);
    expect(await handler).toBe(1);
  });

  it("rejects at once in an attempt that has already timed out", async () => {
    const late = deferred<unknown>();
    class Slow extends Workflow {
      slow = step(
        {
          accepts: [StartEvent],
          emits: [StopEvent],
          timeout: 20,
          retry: { next: ({ attempt }) => (attempt < 2 ? 0 : null) },
        },
        async (_ev, ctx) => {
          if (ctx.retry.attempt === 2) {
            await late.promise;
            return new StopEvent({ result: "second attempt" });
          }
          // Attempt 1 ignores its signal and waits after its own timeout.
          await new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve()),
          );
          await ctx.waitForEvent(Answer).then(
            () => late.resolve("resumed"),
            (e: unknown) => late.resolve(e),
          );
          return null;
        },
      );
    }
    const handler = new Slow({ timeout: 5_000 }).run();
    expect(await handler).toBe("second attempt");
    expect(await late.promise).toBeInstanceOf(StepTimeoutError);
  });
});
