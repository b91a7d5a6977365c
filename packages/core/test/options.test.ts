import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  WorkflowValidationError,
  memoryJournal,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";

class Once extends Workflow {
  go = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowValidationError);
    return (error as Error).message;
  }
  throw new Error("expected a WorkflowValidationError");
}

describe("unknown option keys", () => {
  it("a typo in workflow options names the key and the nearest known one", () => {
    const m = message(() => new Once({ timout: 5 } as never));
    expect(m).toContain('new Once(options): unknown option "timout": did you mean timeout?');
  });

  it("every unknown key is reported, with or without a near one", () => {
    const m = message(() => new Once({ verbos: true, frobnicate: 1 } as never));
    expect(m).toContain('unknown option "verbos": did you mean verbose?');
    expect(m).toMatch(/unknown option "frobnicate" \(known: timeout, verbose,/);
  });

  it("run(input, { ctx }) is an error pointing at context (the seed's run(ctx=...))", () => {
    const m = message(() => new Once().run({}, { ctx: {} } as never));
    expect(m).toContain('Once.run(): unknown option "ctx": did you mean context?');
  });

  it("run options: a typo of stepwise", () => {
    expect(message(() => new Once().run({}, { stepWise: true } as never))).toContain(
      'unknown option "stepWise": did you mean stepwise?',
    );
  });

  it("resume options are checked too", () => {
    const snapshot = { version: 1 } as never;
    expect(message(() => new Once().resume(snapshot, { timeot: 1 } as never))).toContain(
      'Once.resume(): unknown option "timeot": did you mean timeout?',
    );
  });

  it("step options: a typo names the key", () => {
    expect(() =>
      step({ accepts: [StartEvent], emits: [StopEvent], numWorker: 2 } as never, () => undefined),
    ).toThrow(/step\(\): unknown option "numWorker": did you mean numWorkers\?/);
  });

  it("values are quoted as written: a string is not mistaken for a number", () => {
    expect(() =>
      step(
        { accepts: [StartEvent], emits: [StopEvent], numWorkers: "4" } as never,
        () => undefined,
      ),
    ).toThrow('numWorkers must be an integer >= 1; got "4"');
    expect(message(() => new Once({ timeout: "5" } as never))).toContain('got "5"');
    expect(message(() => new Once().run({}, { timeout: "5" } as never))).toContain('got "5"');
  });

  it("streamLimit, waitBufferLimit and journal are checked", () => {
    expect(message(() => new Once({ streamLimit: -1 }))).toContain(
      "streamLimit must be an integer >= 0 or Infinity; got -1",
    );
    expect(message(() => new Once({ waitBufferLimit: 1.5 }))).toContain("waitBufferLimit");
    expect(message(() => new Once({ journal: {} as never }))).toContain(
      "journal must be a Journal",
    );
    expect(() => new Once({ journal: memoryJournal(), streamLimit: 0 })).not.toThrow();
  });
});

describe("run(input, { context })", () => {
  class Count extends Workflow {
    static override state = z.object({ count: z.number().default(0), tag: z.string().default("") });
    bump = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
      const count = ((await ctx.store.get("count")) as number) + 1;
      await ctx.store.set("count", count);
      if (typeof ev["tag"] === "string") await ctx.store.set("tag", ev["tag"]);
      return new StopEvent({ result: count });
    });
  }

  it("starts from the settled previous run's store", async () => {
    const wf = new Count();
    const first = wf.run({ tag: "a" });
    await expect(first).resolves.toBe(1);
    const second = wf.run({}, { context: first.ctx });
    await expect(second).resolves.toBe(2);
    expect(await second.ctx.store.get("tag")).toBe("a");
    const third = new Count().run({}, { context: second.ctx });
    await expect(third).resolves.toBe(3);
    // The earlier run's store is copied, not shared.
    expect(await first.ctx.store.get("count")).toBe(1);
  });

  it("a context of a run still in progress is a WorkflowRuntimeError", async () => {
    const gate = deferred<void>();
    class Slow extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await gate.promise;
        return new StopEvent({ result: "done" });
      });
    }
    const wf = new Slow();
    const running = wf.run();
    expect(() => wf.run({}, { context: running.ctx })).toThrow(WorkflowRuntimeError);
    expect(() => wf.run({}, { context: running.ctx })).toThrow(/is still in progress/);
    gate.resolve();
    await expect(running).resolves.toBe("done");
  });

  it("a context of another workflow is a WorkflowRuntimeError", async () => {
    const other = new Once().run();
    await other;
    expect(() => new Count().run({}, { context: other.ctx })).toThrow(/belongs to a run of Once/);
  });

  it("something that is not a ctx is a WorkflowValidationError", () => {
    expect(message(() => new Count().run({}, { context: {} as never }))).toContain(
      "context must be a ctx",
    );
  });

  it("the new run is a run of its own: new runId, its own history", async () => {
    const wf = new Count();
    const first = wf.run();
    await first;
    const second = wf.run({}, { context: first.ctx });
    await second;
    expect(second.runId).not.toBe(first.runId);
    expect(second.history).toHaveLength(1);
  });
});
