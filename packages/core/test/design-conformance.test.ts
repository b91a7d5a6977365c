/**
 * DESIGN.md, sentence by sentence, for the behaviours of core that the other test files do not
 * already pin down: each test names the DESIGN sentence it checks and asserts only what a user
 * sees (results, errors, stream contents, exported spans).
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { filter, lastValueFrom, map, toArray } from "rxjs";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  type EventJSON,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  type UnhandledEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowCancelledEvent,
  WorkflowError,
  WorkflowFailedEvent,
  type WorkflowHandler,
  WorkflowRuntimeError,
  WorkflowTimedOutEvent,
  WorkflowTimeoutError,
  WorkflowValidationError,
  step,
} from "../src/index.js";
import { deferred } from "./support/control.js";
import {
  type TraceHarness,
  linkedIds,
  parentId,
  settle,
  spanId,
  traceHarness,
  traceId,
  checkTracesAfterEach,
} from "./support/tracing.js";

class Ping extends Event.define({ n: z.number() }) {}
/** Same shape, another class: events are matched by class, never by shape or inheritance. */
class LoudPing extends Ping {}
class Orphan extends Event.define({ id: z.number() }) {}
class Job extends Event.define({ n: z.number() }) {}
class Done extends Event.define({ n: z.number() }) {}

/** A promise that rejects with the signal's reason once it aborts. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** What a run settled to: its value, or the error it rejected with. */
function outcome<T>(p: PromiseLike<T>): Promise<{ value?: T; error?: unknown }> {
  return Promise.resolve(p).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function drain(handler: WorkflowHandler): Promise<Event[]> {
  const events: Event[] = [];
  for await (const ev of handler.streamEvents()) events.push(ev);
  return events;
}

// --- Events ----------------------------------------------------------------------------------

describe("DESIGN Events", () => {
  it("routes by exact class: a subclass of an accepted event reaches no step and is reported on unhandled$", async () => {
    const delivered: string[] = [];
    class Exact extends Workflow {
      start = step({ accepts: [StartEvent], emits: [LoudPing, Ping] }, (_ev, ctx) => {
        ctx.sendEvent(new LoudPing({ n: 1 }));
        return new Ping({ n: 2 });
      });
      ping = step({ accepts: [Ping], emits: [StopEvent] }, (ev) => {
        delivered.push(`${ev.constructor.name}${ev.n}`);
        return new StopEvent({ result: ev.n });
      });
    }
    const handler = new Exact({ disableValidation: true }).run();
    const unhandled: UnhandledEvent[] = [];
    handler.unhandled$.subscribe((u) => unhandled.push(u));
    expect(await handler).toBe(2);
    expect(delivered).toEqual(["Ping2"]);
    expect(unhandled).toHaveLength(1);
    expect(unhandled[0]!.event).toBeInstanceOf(LoudPing);
    expect(unhandled[0]!.reason).toContain("LoudPing");
  });

  it("validates by exact class too: emitting a subclass does not feed a step that accepts its parent", () => {
    class OnlyParent extends Workflow {
      start = step({ accepts: [StartEvent], emits: [LoudPing] }, () => null);
      ping = step({ accepts: [Ping], emits: [StopEvent] }, () => null);
    }
    const run = () => new OnlyParent().run();
    expect(run).toThrow(WorkflowValidationError);
    expect(run).toThrow(/Event LoudPing is emitted by start but no step accepts it/);
    expect(run).toThrow(/Event Ping is accepted by ping but no step emits it/);
  });

  it("makes the run-time emits check the guarantee: returning a subclass of a declared event fails the run", async () => {
    class ReturnsSubclass extends Workflow {
      start = step(
        { accepts: [StartEvent], emits: [Ping] },
        // The compiler accepts it (a LoudPing is a Ping); the engine does not.
        () => new LoudPing({ n: 1 }),
      );
      ping = step({ accepts: [Ping], emits: [StopEvent] }, () => new StopEvent({ result: "ran" }));
    }
    const handler = new ReturnsSubclass().run();
    const events = await drain(handler);
    const { error } = await outcome(handler);
    expect(error).toBeInstanceOf(WorkflowRuntimeError);
    expect((error as Error).message).toContain("Step start returned LoudPing");
    expect((error as Error).message).toContain("not in its emits (Ping)");
    expect(events.at(-1)).toBeInstanceOf(WorkflowFailedEvent);
    expect((events.at(-1) as WorkflowFailedEvent).step).toBe("start");
  });

  it("builds a typed start event from {} when run() gets no input, applying the schema's defaults", async () => {
    class Order extends StartEvent.define({
      qty: z.number().default(3),
      side: z.enum(["buy", "sell"]).default("buy"),
    }) {}
    class Defaults extends Workflow {
      start = step({ accepts: [Order], emits: [StopEvent] }, (ev) => {
        return new StopEvent({ result: { isOrder: ev instanceof Order, data: ev.toJSON() } });
      });
    }
    expect(await new Defaults().run()).toEqual({
      isOrder: true,
      data: { type: "Order", data: { qty: 3, side: "buy" } },
    });
  });

  it("treats two classes with the same class name as a type-name clash (as a minifier would make)", () => {
    const makeTick = () => class Tick extends Event.define({ n: z.number() }) {};
    const TickA = makeTick();
    const TickB = makeTick();
    class Clash extends Workflow {
      a = step({ accepts: [StartEvent], emits: [TickA] }, () => null);
      b = step({ accepts: [TickA], emits: [TickB] }, () => null);
      c = step({ accepts: [TickB], emits: [StopEvent] }, () => null);
    }
    const run = () => new Clash().run();
    expect(run).toThrow(WorkflowValidationError);
    expect(run).toThrow(/Two event classes share the type name Tick/);
  });

  it("gives InputRequiredEvent arbitrary fields, and a typed one from define() that validates", () => {
    const plain = new InputRequiredEvent({ prompt: "Proceed?", options: ["y", "n"] });
    expect(plain["prompt"]).toBe("Proceed?");
    expect(plain.toJSON()).toEqual({
      type: "InputRequiredEvent",
      data: { prompt: "Proceed?", options: ["y", "n"] },
    });
    class Question extends InputRequiredEvent.define({ question: z.string() }) {}
    const typed = new Question({ question: "2+2?", extra: true } as never);
    expect(typed).toBeInstanceOf(InputRequiredEvent);
    expect(typed.toJSON()).toEqual({ type: "Question", data: { question: "2+2?" } });
    let caught: unknown;
    try {
      new Question({ question: 4 } as never);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EventValidationError);
    expect((caught as EventValidationError).eventType).toBe("Question");
    expect((caught as EventValidationError).paths).toEqual(["question"]);
    expect((caught as EventValidationError).cause).toBeInstanceOf(z.ZodError);
  });

  it("makes the terminal failure events StopEvents that serialize to { type, data } and revive", async () => {
    class Boom extends Error {}
    class Ends extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev, ctx) => {
        if (ev["how"] === "fail") throw new Boom("boom");
        return untilAborted(ctx.signal);
      });
    }
    const failed = new Ends().run({ how: "fail" });
    const timedOut = new Ends({ timeout: 20 }).run({ how: "hang" });
    const cancelled = new Ends().run({ how: "hang" });
    const streams = [drain(failed), drain(timedOut), drain(cancelled)];
    void cancelled.cancel("user left");
    const terminals = (await Promise.all(streams)).map((events) => events.at(-1)!);
    const expected = [WorkflowFailedEvent, WorkflowTimedOutEvent, WorkflowCancelledEvent];
    const wf = new Ends();
    terminals.forEach((terminal, i) => {
      const cls = expected[i]!;
      expect(terminal).toBeInstanceOf(cls);
      expect(terminal).toBeInstanceOf(StopEvent);
      const json = JSON.parse(JSON.stringify(terminal)) as EventJSON;
      expect(json.type).toBe(cls.name);
      expect(wf.reviveEvent(json)).toBeInstanceOf(cls);
    });
    expect(JSON.parse(JSON.stringify(terminals[0]))).toEqual({
      type: "WorkflowFailedEvent",
      data: { step: "go", error: { name: "Error", message: "boom" }, attempts: 1 },
    });
    expect(JSON.parse(JSON.stringify(terminals[1])).data).toEqual({
      timeoutMs: 20,
      activeSteps: ["go"],
    });
    expect(JSON.parse(JSON.stringify(terminals[2])).data).toEqual({ reason: "user left" });
  });
});

// --- Steps -----------------------------------------------------------------------------------

describe("DESIGN Steps", () => {
  it("names a field step after its property key, whatever its name option says", async () => {
    const lines: string[] = [];
    class Keyed extends Workflow {
      start = step({ name: "elsewhere", accepts: [StartEvent], emits: [StopEvent] }, () => {
        throw new Error("fails");
      });
    }
    const handler = new Keyed({ verbose: true, logger: (l) => lines.push(l) }).run();
    const events = await drain(handler);
    expect(lines[0]).toBe("Running step start");
    expect((events.at(-1) as WorkflowFailedEvent).step).toBe("start");
  });

  it("lets a subclass re-decorate an inherited method with different emits when its return type is broad", async () => {
    class Base extends Workflow {
      @step({ accepts: [StartEvent], emits: [StopEvent] })
      async start(_ev: StartEvent, _ctx: Context): Promise<Event | void> {
        return new StopEvent({ result: "base" });
      }
    }
    class Derived extends Base {
      @step({ accepts: [StartEvent], emits: [Ping] })
      override async start(): Promise<Event | void> {
        return new Ping({ n: 5 });
      }
      finish = step(
        { accepts: [Ping], emits: [StopEvent] },
        (ev) => new StopEvent({ result: `derived ${ev.n}` }),
      );
    }
    expect(await new Derived().run()).toBe("derived 5");
    // The base keeps its own options: Ping is not in its emits.
    expect(await new Base().run()).toBe("base");
  });
});

// --- Workflow and running ----------------------------------------------------------------------

describe("DESIGN Workflow and running", () => {
  class Quick extends Workflow {
    go = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 7 }));
  }

  it("exposes handler.result as a Promise of the run's outcome, and the handler as a PromiseLike", async () => {
    const handler = new Quick().run();
    expect(handler.result).toBeInstanceOf(Promise);
    expect(await handler.result).toBe(7);
    expect(await handler.then((v) => (v as number) + 1)).toBe(8);
    let finallyRan = false;
    expect(await handler.finally(() => (finallyRan = true))).toBe(7);
    expect(finallyRan).toBe(true);
    expect(typeof handler.runId).toBe("string");
    expect(handler.runId).not.toBe(new Quick().run().runId);
  });

  it("makes unhandled$ hot with no replay: a late subscriber sees only what is reported after it subscribed", async () => {
    const gate = deferred();
    class TwoOrphans extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Orphan, StopEvent] }, async (_ev, ctx) => {
        ctx.sendEvent(new Orphan({ id: 1 }));
        await gate.promise;
        ctx.sendEvent(new Orphan({ id: 2 }));
        return new StopEvent({ result: "done" });
      });
    }
    const handler = new TwoOrphans({ disableValidation: true }).run();
    const early: number[] = [];
    const firstReported = deferred();
    handler.unhandled$.subscribe((u) => {
      early.push((u.event as Orphan).id);
      firstReported.resolve();
    });
    await firstReported.promise;
    const late: number[] = [];
    let lateCompleted = false;
    handler.unhandled$.subscribe({
      next: (u) => late.push((u.event as Orphan).id),
      complete: () => (lateCompleted = true),
    });
    gate.resolve();
    expect(await handler).toBe("done");
    expect(early).toEqual([1, 2]);
    expect(late).toEqual([2]);
    expect(lateCompleted).toBe(true);
  });

  it("ends the run when the caller sends a StopEvent through handler.ctx.sendEvent", async () => {
    const started = deferred();
    let stepSignal: AbortSignal | undefined;
    class Waits extends Workflow {
      wait = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        stepSignal = ctx.signal;
        started.resolve();
        return untilAborted(ctx.signal);
      });
    }
    const handler = new Waits().run();
    const stream = drain(handler);
    await started.promise;
    handler.ctx.sendEvent(new StopEvent({ result: "from the caller" }));
    expect(await handler).toBe("from the caller");
    const events = await stream;
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(StopEvent);
    expect((events[0] as StopEvent).result).toBe("from the caller");
    expect(stepSignal?.aborted).toBe(true);
  });

  it("lets events$ be piped through RxJS operators like any Observable", async () => {
    class Note extends Event.define({ n: z.number() }) {}
    class Notes extends Workflow {
      write = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        for (let n = 1; n <= 4; n++) ctx.writeEventToStream(new Note({ n }));
        return new StopEvent({ result: "written" });
      });
    }
    const handler = new Notes().run();
    const evens = lastValueFrom(
      handler.events$.pipe(
        filter((ev): ev is Note => ev instanceof Note),
        map((ev) => ev.n),
        filter((n) => n % 2 === 0),
        toArray(),
      ),
    );
    expect(await evens).toEqual([2, 4]);
    expect(await handler).toBe("written");
  });

  describe("stepwise", () => {
    class Queue extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Job] }, (_ev, ctx) => {
        for (let n = 1; n <= 3; n++) ctx.sendEvent(new Job({ n }));
      });
      job = step({ accepts: [Job], emits: [Done], numWorkers: 1 }, async (ev) => {
        await Promise.resolve();
        return new Done({ n: ev.n });
      });
      gather = step({ accepts: [Done], emits: [StopEvent] }, (ev, ctx) => {
        const all = ctx.collectEvents(ev, Done, { count: 3 });
        return all === null ? null : new StopEvent({ result: all.map((d) => d.n) });
      });
    }
    const label = (events: Event[] | null) =>
      events === null
        ? null
        : events.map((e) =>
            e instanceof Job || e instanceof Done ? `${e.constructor.name}${e.n}` : "Stop",
          );

    it("runs every ready invocation in one round, also those queued behind numWorkers", async () => {
      const handler = new Queue().run({}, { stepwise: true });
      const rounds: (string[] | null)[] = [];
      while (!handler.isDone()) rounds.push(label(await handler.runStep()));
      rounds.push(label(await handler.runStep()));
      expect(rounds).toEqual([
        ["Job1", "Job2", "Job3"],
        ["Done1", "Done2", "Done3"],
        ["Stop"],
        null,
      ]);
      expect(await handler).toEqual([1, 2, 3]);
    });

    it("has no run timeout with timeout: null, while the default one still applies", async () => {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      try {
        const untimed = new Queue({ timeout: null }).run({}, { stepwise: true });
        const timed = new Queue().run({}, { stepwise: true });
        await vi.advanceTimersByTimeAsync(10 * 60_000);
        expect(timed.isDone()).toBe(true);
        expect((await outcome(timed)).error).toBeInstanceOf(WorkflowTimeoutError);
        expect(untimed.isDone()).toBe(false);
        while (!untimed.isDone()) await untimed.runStep();
        expect(await untimed).toEqual([1, 2, 3]);
      } finally {
        vi.useRealTimers();
      }
    });
  });
});

// --- Context ---------------------------------------------------------------------------------

describe("DESIGN Context", () => {
  it("gives every step's view and handler.ctx the run's runId, store and workflow", async () => {
    const seen: { runId: string; workflow: Workflow }[] = [];
    class Shared extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping] }, async (_ev, ctx) => {
        seen.push({ runId: ctx.runId, workflow: ctx.workflow });
        await ctx.store.set("by", "start");
        return new Ping({ n: 1 });
      });
      finish = step({ accepts: [Ping], emits: [StopEvent] }, async (_ev, ctx) => {
        seen.push({ runId: ctx.runId, workflow: ctx.workflow });
        return new StopEvent({ result: await ctx.store.get("by") });
      });
    }
    const wf = new Shared();
    const handler = wf.run();
    expect(await handler).toBe("start");
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s.runId).toBe(handler.runId);
      expect(s.workflow).toBe(wf);
    }
    expect(handler.ctx.runId).toBe(handler.runId);
    expect(handler.ctx.workflow).toBe(wf);
    expect(await handler.ctx.store.get("by")).toBe("start");
  });

  it("resumes ctx.waitForEvent with an event another step returns, not only one the caller sends", async () => {
    class Answer extends HumanResponseEvent.define({ text: z.string() }) {}
    class Go extends Event.define({}) {}
    let before = 0;
    class SelfServe extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [Go, StopEvent] }, async (_ev, ctx) => {
        before++;
        ctx.sendEvent(new Go({}));
        const answer = await ctx.waitForEvent(Answer, { timeout: 5_000 });
        return new StopEvent({ result: answer.text });
      });
      bot = step({ accepts: [Go], emits: [Answer] }, () => new Answer({ text: "from the bot" }));
    }
    expect(await new SelfServe().run()).toBe("from the bot");
    expect(before).toBe(1);
  });

  it("aborts ctx.signal of the other running steps when a step fails the run", async () => {
    class Slow extends Event.define({}) {}
    class Bad extends Event.define({}) {}
    class MyError extends Error {}
    const slowStarted = deferred();
    let slowSignal: AbortSignal | undefined;
    class FailsWhileOtherRuns extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Slow, Bad] }, (_ev, ctx) => {
        ctx.sendEvent(new Slow({}));
        ctx.sendEvent(new Bad({}));
      });
      slow = step({ accepts: [Slow], emits: [StopEvent] }, (_ev, ctx) => {
        slowSignal = ctx.signal;
        slowStarted.resolve();
        return untilAborted(ctx.signal);
      });
      bad = step({ accepts: [Bad], emits: [StopEvent] }, async () => {
        await slowStarted.promise;
        throw new MyError("bad step");
      });
    }
    const handler = new FailsWhileOtherRuns().run();
    const events = drain(handler);
    const { error } = await outcome(handler);
    expect(error).toBeInstanceOf(MyError);
    expect(slowSignal?.aborted).toBe(true);
    const terminal = (await events).at(-1) as WorkflowFailedEvent;
    expect(terminal).toBeInstanceOf(WorkflowFailedEvent);
    expect(terminal).toMatchObject({ step: "bad", error, attempts: 1 });
  });
});

// --- Execution model -------------------------------------------------------------------------

describe("DESIGN Execution model", () => {
  it("roots every error a run can raise in WorkflowError, each naming where it happened", async () => {
    class Typed extends StartEvent.define({ stock: z.string() }) {}
    class Typo extends Workflow {
      go = step({ accepts: [Typed], emits: [StopEvent] }, () => new StopEvent());
    }
    class Hangs extends Workflow {
      stuck = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) =>
        untilAborted(ctx.signal),
      );
    }
    class SlowStep extends Workflow {
      slow = step({ accepts: [StartEvent], emits: [StopEvent], timeout: 10 }, (_ev, ctx) =>
        untilAborted(ctx.signal),
      );
    }
    class Junk extends Workflow {
      go = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        () => "junk" as unknown as StopEvent,
      );
    }
    class Invalid extends Workflow {
      go = step({ accepts: [StartEvent], emits: [Orphan, StopEvent] }, () => null);
    }

    const thrown = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const cancelled = new Hangs().run();
    void cancelled.cancel();
    const errors = {
      EventValidationError: thrown(() => new Typo().run({} as never)),
      WorkflowValidationError: thrown(() => new Invalid().run()),
      WorkflowRuntimeError: (await outcome(new Junk().run())).error,
      WorkflowTimeoutError: (await outcome(new Hangs({ timeout: 15 }).run())).error,
      StepTimeoutError: (await outcome(new SlowStep().run())).error,
      WorkflowCancelledError: (await outcome(cancelled)).error,
    };
    const classes = {
      EventValidationError,
      WorkflowValidationError,
      WorkflowRuntimeError,
      WorkflowTimeoutError,
      StepTimeoutError,
      WorkflowCancelledError,
    };
    for (const [name, error] of Object.entries(errors)) {
      expect(error, name).toBeInstanceOf(classes[name as keyof typeof classes]);
      expect(error, name).toBeInstanceOf(WorkflowError);
      expect(error, name).toBeInstanceOf(Error);
      expect((error as Error).name, name).toBe(name);
    }
    expect((errors.EventValidationError as Error).message).toContain("Typed");
    expect((errors.WorkflowValidationError as Error).message).toContain("Orphan");
    expect((errors.WorkflowRuntimeError as Error).message).toContain("Step go returned");
    expect((errors.WorkflowTimeoutError as Error).message).toContain("Hangs");
    expect((errors.WorkflowTimeoutError as Error).message).toContain("15 ms");
    expect((errors.WorkflowTimeoutError as Error).message).toContain("stuck");
    expect((errors.StepTimeoutError as StepTimeoutError).step).toBe("slow");
    expect((errors.StepTimeoutError as Error).message).toContain("slow");
    expect((errors.WorkflowCancelledError as Error).message).toContain("Hangs");
  });

  it("logs verbose lines to console.log when no logger is given", async () => {
    class Chatty extends Workflow {
      go = step({ accepts: [StartEvent], emits: [Ping] }, () => new Ping({ n: 1 }));
      quiet = step({ accepts: [Ping], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
    }
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await new Chatty({ verbose: true }).run()).toBe(1);
      expect(log.mock.calls.map((c) => c[0])).toEqual([
        "Running step go",
        "Step go produced event Ping",
        "Running step quiet",
        "Step quiet produced event StopEvent",
      ]);
    } finally {
      log.mockRestore();
    }
  });
});

// --- Validation ------------------------------------------------------------------------------

describe("DESIGN Validation", () => {
  it("exempts typed InputRequiredEvent and HumanResponseEvent subclasses from the produced/consumed checks", async () => {
    class Question extends InputRequiredEvent.define({ q: z.string() }) {}
    class Reply extends HumanResponseEvent.define({ a: z.string() }) {}
    class Interview extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [Question] }, () => new Question({ q: "go?" }));
      answer = step(
        { accepts: [Reply], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.a }),
      );
    }
    const handler = new Interview().run();
    for await (const ev of handler.streamEvents())
      if (ev instanceof Question) handler.sendEvent(new Reply({ a: "yes" }));
    expect(await handler).toBe("yes");
  });
});

// --- Tracing ---------------------------------------------------------------------------------

describe("DESIGN Tracing", () => {
  let otel: TraceHarness;
  checkTracesAfterEach(() => otel);

  it("uses only @opentelemetry/api in core: no SDK in its dependencies or its source", () => {
    otel = traceHarness(); // unused here: keeps afterEach's checks meaningful
    const root = fileURLToPath(new URL("..", import.meta.url));
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(["rxjs"]);
    expect(Object.keys(pkg.peerDependencies ?? {}).sort()).toEqual(["@opentelemetry/api", "zod"]);
    const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts"),
    );
    expect(sources.length).toBeGreaterThan(5);
    const otelImports = new Set<string>();
    for (const file of sources) {
      const text = readFileSync(join(root, "src", file), "utf8");
      for (const m of text.matchAll(/from "(@opentelemetry\/[^"]+)"/g)) otelImports.add(m[1]!);
    }
    expect([...otelImports]).toEqual(["@opentelemetry/api"]);
  });

  it("starts no span when run() throws for an invalid workflow or bad input", () => {
    otel = traceHarness();
    class Typed extends StartEvent.define({ stock: z.string() }) {}
    class Strict extends Workflow {
      go = step({ accepts: [Typed], emits: [StopEvent] }, () => new StopEvent());
    }
    class Invalid extends Workflow {
      go = step({ accepts: [StartEvent], emits: [Orphan, StopEvent] }, () => null);
    }
    expect(() => new Strict({ tracer: otel.tracer }).run({} as never)).toThrow(
      EventValidationError,
    );
    expect(() => new Invalid({ tracer: otel.tracer }).run()).toThrow(WorkflowValidationError);
    expect(otel.counter.started).toBe(0);
    expect(otel.spans()).toEqual([]);
  });

  it("nests a run started inside a step body (no parent option) under that step's span", async () => {
    otel = traceHarness();
    class Inner extends Workflow {
      work = step({ accepts: [StartEvent], emits: [StopEvent] }, () => {
        return new StopEvent({ result: "inner" });
      });
    }
    const inner = new Inner({ tracer: otel.tracer });
    class Outer extends Workflow {
      call = step({ accepts: [StartEvent], emits: [StopEvent] }, async () => {
        await Promise.resolve();
        return new StopEvent({ result: await inner.run() });
      });
    }
    const outcome = await settle(new Outer({ tracer: otel.tracer }).run(), otel.counter);
    expect(outcome.value).toBe("inner");
    expect(outcome.openAtSettle).toBe(0);
    const call = otel.one("step call");
    const innerRun = otel.one("invoke_workflow Inner");
    expect(parentId(innerRun)).toBe(spanId(call));
    expect(traceId(innerRun)).toBe(traceId(call));
    expect(parentId(otel.one("step work"))).toBe(spanId(innerRun));
  });

  it("ends a step still running when another step fails the run: once, UNSET, before the handler settles", async () => {
    otel = traceHarness();
    class Slow extends Event.define({}) {}
    class Bad extends Event.define({}) {}
    class BadError extends Error {}
    const slowStarted = deferred();
    let failSlowLate: (e: unknown) => void = () => {};
    class Mixed extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Slow, Bad] }, (_ev, ctx) => {
        ctx.sendEvent(new Slow({}));
        ctx.sendEvent(new Bad({}));
      });
      slow = step({ accepts: [Slow], emits: [StopEvent] }, () => {
        slowStarted.resolve();
        return new Promise<StopEvent>((_resolve, reject) => (failSlowLate = reject));
      });
      bad = step({ accepts: [Bad], emits: [StopEvent] }, async () => {
        await slowStarted.promise;
        throw new BadError("bad");
      });
    }
    const result = await settle(new Mixed({ tracer: otel.tracer }).run(), otel.counter);
    expect(result.error).toBeInstanceOf(BadError);
    expect(result.openAtSettle).toBe(0);
    failSlowLate(new Error("too late"));
    await new Promise((resolve) => setImmediate(resolve));

    const run = otel.one("invoke_workflow Mixed");
    const slow = otel.one("step slow");
    const bad = otel.one("step bad");
    expect(slow.status.code).toBe(SpanStatusCode.UNSET);
    expect(slow.attributes["error.type"]).toBeUndefined();
    expect(slow.events).toEqual([]);
    expect(bad.status.code).toBe(SpanStatusCode.ERROR);
    expect(bad.attributes["error.type"]).toBe("BadError");
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes["eventloom.run.status"]).toBe("failed");
    for (const s of otel.spans()) expect(s.kind).toBe(SpanKind.INTERNAL);
    // Both steps were started by the start step's events.
    expect(linkedIds(slow)).toEqual([spanId(otel.one("step start"))]);
    expect(linkedIds(bad)).toEqual([spanId(otel.one("step start"))]);
  });

  it("marks the span of a step that returns a non-event ERROR with error.type WorkflowRuntimeError", async () => {
    otel = traceHarness();
    class Junk extends Workflow {
      go = step(
        { accepts: [StartEvent], emits: [StopEvent] },
        () => ({ result: 1 }) as unknown as StopEvent,
      );
    }
    const result = await settle(new Junk({ tracer: otel.tracer }).run(), otel.counter);
    expect(result.error).toBeInstanceOf(WorkflowRuntimeError);
    const go = otel.one("step go");
    expect(go.status.code).toBe(SpanStatusCode.ERROR);
    expect(go.attributes["error.type"]).toBe("WorkflowRuntimeError");
    expect(go.events.filter((e) => e.name === "exception")).toHaveLength(1);
    const run = otel.one("invoke_workflow Junk");
    expect(run.attributes["error.type"]).toBe("WorkflowRuntimeError");
    expect(run.attributes["eventloom.run.status"]).toBe("failed");
  });
});
