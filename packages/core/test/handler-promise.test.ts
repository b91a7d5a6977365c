import { describe, expect, it } from "vitest";
import {
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  WorkflowHandler,
  step,
} from "../src/index.js";

class Echo extends Workflow {
  echo = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    (ev) => new StopEvent({ result: ev["x"] }),
  );
}

class Boom extends Error {}
class Fails extends Workflow {
  fail = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
    throw new Boom("no");
  });
}

describe("a run's handler is a real Promise of its result", () => {
  it("is a Promise that Promise.resolve returns as it is, and await takes directly", async () => {
    const handler = new Echo().run({ x: 1 });
    expect(handler).toBeInstanceOf(WorkflowHandler);
    expect(handler).toBeInstanceOf(Promise);
    // The native fast path: no wrapping promise, no thenable job.
    expect(Promise.resolve(handler)).toBe(handler);
    expect(handler.result).toBe(handler);
    expect(await handler).toBe(1);
  });

  it("derives plain promises (then, catch, finally) and works with Promise.all and race", async () => {
    const wf = new Echo();
    const handler = wf.run({ x: 2 });
    const derived = handler.then((v) => Number(v) * 10);
    expect(derived).not.toBeInstanceOf(WorkflowHandler);
    expect(await derived).toBe(20);
    expect(await Promise.all([wf.run({ x: 3 }), wf.run({ x: 4 })])).toEqual([3, 4]);
    expect(await Promise.race([wf.run({ x: 5 })])).toBe(5);
    let finished = false;
    expect(await wf.run({ x: 6 }).finally(() => (finished = true))).toBe(6);
    expect(finished).toBe(true);
  });

  it("rejects with the step's own error, and a failed run nobody awaits raises no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const ignored = new Fails().run();
      const events = [];
      for await (const ev of ignored.streamEvents()) events.push(ev);
      expect(events.at(-1)).toBeInstanceOf(WorkflowFailedEvent);
      await expect(new Fails().run()).rejects.toBeInstanceOf(Boom);
      await expect(new Fails().run().catch((e: unknown) => e)).resolves.toBeInstanceOf(Boom);
      // Unhandled rejections are reported after a macrotask turn.
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("is made by workflow.run(), not by new or by Promise statics on the class", () => {
    const ctor = WorkflowHandler as unknown as new (executor: () => void) => unknown;
    expect(() => new ctor(() => {})).toThrow(/workflow\.run\(\)/);
  });
});
