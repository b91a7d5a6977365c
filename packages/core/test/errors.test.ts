import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  EventValidationError,
  HumanResponseEvent,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowError,
  WorkflowFailedEvent,
  type WorkflowHandler,
  WorkflowRuntimeError,
  WorkflowValidationError,
  step,
} from "../src/index.js";

class Ping extends Event.define({ n: z.number() }) {}
class Pong extends Event.define({ n: z.number() }) {}
class TradeStart extends StartEvent.define({ stock: z.string().min(1) }) {}

/** Drains the stream and returns its events, with whatever `await handler` settled to. */
async function outcome(handler: WorkflowHandler) {
  const stream: Event[] = [];
  for await (const ev of handler.streamEvents()) stream.push(ev);
  const settled = await handler.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { stream, settled, terminal: stream.at(-1) };
}

/** Asserts a run failed in `step` with an error of `cls` whose message matches `message`. */
async function expectStepFailure(
  handler: WorkflowHandler,
  stepName: string,
  cls: abstract new (...args: never[]) => Error,
  message: RegExp | string,
): Promise<void> {
  const { settled, terminal } = await outcome(handler);
  expect(settled.ok).toBe(false);
  const error = (settled as { error: unknown }).error;
  expect(error).toBeInstanceOf(cls);
  expect((error as Error).message).toMatch(message);
  expect(terminal).toBeInstanceOf(WorkflowFailedEvent);
  expect((terminal as WorkflowFailedEvent).step).toBe(stepName);
  expect((terminal as WorkflowFailedEvent).error).toBe(error);
  expect(handler.status).toBe("failed");
}

describe("bad event data", () => {
  it("fails the run with the EventValidationError of an event built with bad data in a step", async () => {
    class BadData extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping] }, (ev) => {
        return new Ping({ n: ev["n"] as number });
      });
      end = step({ accepts: [Ping], emits: [StopEvent] }, () => new StopEvent());
    }
    const handler = new BadData().run({ n: "seven" });
    await expectStepFailure(
      handler,
      "start",
      EventValidationError,
      /Invalid data for event Ping: n:/,
    );
  });
});

describe("bad run input", () => {
  class Trade extends Workflow {
    static runs = 0;
    start = step({ accepts: [TradeStart], emits: [StopEvent] }, (ev) => {
      Trade.runs++;
      return new StopEvent({ result: ev.stock });
    });
  }

  it("throws EventValidationError from run() naming the start event and the path; no run starts", async () => {
    const before = Trade.runs;
    let caught: unknown;
    try {
      new Trade().run({ stock: "" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EventValidationError);
    expect((caught as EventValidationError).message).toMatch(
      /Invalid data for event TradeStart: stock:/,
    );
    expect((caught as EventValidationError).paths).toEqual(["stock"]);
    expect(() => new Trade().run({} as never)).toThrow(EventValidationError);
    // The next good run is the only one that reaches the step.
    expect(await new Trade().run({ stock: "NVDA" })).toBe("NVDA");
    expect(Trade.runs).toBe(before + 1);
  });

  it("throws WorkflowValidationError for input that is not an object", () => {
    expect(() => new Trade().run("NVDA" as never)).toThrow(WorkflowValidationError);
    expect(() => new Trade().run("NVDA" as never)).toThrow(
      /Trade\.run\(input\): input must be an object of start event fields; got string/,
    );
    expect(() => new Trade().run([1] as never)).toThrow(/got an array/);
    expect(() => new Trade().run(null as never)).toThrow(/got null/);
  });

  it("throws WorkflowValidationError for a start event of another class", () => {
    expect(() => new Trade().run(new StartEvent({ stock: "x" }))).toThrow(
      "Trade.run() was given a StartEvent, but the workflow starts with TradeStart",
    );
  });
});

describe("bad step results", () => {
  it.each([
    ["a string", "done", /Step start returned string "done"; a step returns an event/],
    ["a plain object", { n: 1 }, /Step start returned an object of class Object/],
    ["an event class", Ping, /Step start returned the class\/function Ping/],
    ["a number", 42, /Step start returned number 42/],
  ])(
    "fails the run with WorkflowRuntimeError naming the step when it returns %s",
    async (_what, value, message) => {
      class ReturnsJunk extends Workflow {
        start = step(
          { accepts: [StartEvent], emits: [StopEvent] },
          () => value as unknown as StopEvent,
        );
      }
      await expectStepFailure(new ReturnsJunk().run(), "start", WorkflowRuntimeError, message);
    },
  );

  it("fails the run with WorkflowRuntimeError when a step returns an event outside its emits", async () => {
    class Undeclared extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping] }, () => {
        return new Pong({ n: 1 }) as unknown as Ping;
      });
      ping = step({ accepts: [Ping], emits: [StopEvent] }, () => new StopEvent());
    }
    await expectStepFailure(
      new Undeclared({ disableValidation: true }).run(),
      "start",
      WorkflowRuntimeError,
      "Step start returned Pong, which is not in its emits (Ping): add Pong to emits",
    );
  });

  it("fails the run with WorkflowRuntimeError when a step sends an event outside its emits", async () => {
    class SendsUndeclared extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        ctx.sendEvent(new Pong({ n: 1 }));
        return new StopEvent();
      });
    }
    await expectStepFailure(
      new SendsUndeclared().run(),
      "start",
      WorkflowRuntimeError,
      "Step start sent Pong, which is not in its emits (StopEvent): add Pong to emits",
    );
  });

  it("fails the run when a step sends or streams something that is not an event", async () => {
    class SendsJunk extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        ctx.writeEventToStream("progress" as never);
        return new StopEvent();
      });
    }
    await expectStepFailure(
      new SendsJunk().run(),
      "start",
      WorkflowRuntimeError,
      /writeEventToStream in step start got string "progress", not an event/,
    );
  });
});

describe("sendEvent to a step", () => {
  // The caller's events are HumanResponseEvents: validation requires a producer for others.
  class Answer extends HumanResponseEvent.define({ n: z.number() }) {}
  class Targets extends Workflow {
    start = step({ accepts: [StartEvent], emits: [] }, () => null);
    answer = step(
      { accepts: [Answer], emits: [StopEvent] },
      (ev) => new StopEvent({ result: ev.n }),
    );
  }

  it("throws WorkflowRuntimeError naming a step that does not exist, and lists the steps", async () => {
    const handler = new Targets().run();
    const send = () => handler.sendEvent(new Answer({ n: 1 }), { step: "answr" });
    expect(send).toThrow(WorkflowRuntimeError);
    expect(send).toThrow(
      'sendEvent (handler.ctx): there is no step named "answr" in Targets (steps: start, answer)',
    );
    handler.sendEvent(new Answer({ n: 2 }), { step: "answer" });
    expect(await handler).toBe(2);
  });

  it("throws WorkflowRuntimeError when the named step does not accept the event's class", async () => {
    const handler = new Targets().run();
    const send = () => handler.sendEvent(new Pong({ n: 1 }), { step: "answer" });
    expect(send).toThrow(WorkflowRuntimeError);
    expect(send).toThrow(
      "sendEvent (handler.ctx): step answer does not accept Pong (it accepts Answer)",
    );
    await handler.cancel();
  });

  it("fails the run when a step targets a missing step", async () => {
    class BadTarget extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping] }, (_ev, ctx) => {
        ctx.sendEvent(new Ping({ n: 1 }), { step: "nowhere" });
      });
      ping = step({ accepts: [Ping], emits: [StopEvent] }, () => new StopEvent());
    }
    await expectStepFailure(
      new BadTarget().run(),
      "start",
      WorkflowRuntimeError,
      'sendEvent in step start: there is no step named "nowhere"',
    );
  });

  it("throws WorkflowRuntimeError for something that is not an event", async () => {
    const handler = new Targets().run();
    expect(() => handler.sendEvent({ n: 1 } as never)).toThrow(
      "sendEvent (handler.ctx) got an object of class Object, not an event",
    );
    await handler.cancel();
  });
});

describe("decorator misuse", () => {
  it("rejects a bare @step, saying to pass options", () => {
    const define = () => {
      class Bare extends Workflow {
        // @ts-expect-error @step needs its options
        @step
        start() {}
      }
      return Bare;
    };
    expect(define).toThrow(WorkflowValidationError);
    expect(define).toThrow(
      "@step must be called with its options: write @step({ accepts: [...], emits: [...] }), not a bare @step",
    );
  });

  it("rejects @step on a field, naming it and showing the field form", () => {
    const define = () => {
      class OnField extends Workflow {
        // @ts-expect-error a field is not a method
        @step({ accepts: [Ping], emits: [] })
        handle = (_ev: Ping) => {};
      }
      return OnField;
    };
    expect(define).toThrow(WorkflowValidationError);
    expect(define).toThrow(
      "@step can decorate methods only, but handle is a field. For a field write handle = step({ ... }, (ev, ctx) => ...)",
    );
  });

  it("rejects @step on a static method, naming it", () => {
    const define = () => {
      class OnStatic extends Workflow {
        @step({ accepts: [Ping], emits: [] })
        static handle(_ev: Ping) {}
      }
      return OnStatic;
    };
    expect(define).toThrow(WorkflowValidationError);
    expect(define).toThrow("@step cannot decorate the static method handle");
  });

  it("rejects @step on a getter", () => {
    const define = () => {
      class OnGetter extends Workflow {
        // @ts-expect-error a getter is not a method
        @step({ accepts: [Ping], emits: [] })
        get handle() {
          return 1;
        }
      }
      return OnGetter;
    };
    expect(define).toThrow("@step can decorate methods only, but handle is a getter");
  });
});

describe("bad step options", () => {
  it.each([
    [
      "numWorkers 0",
      { accepts: [Ping], emits: [], numWorkers: 0 },
      "numWorkers must be an integer >= 1; got 0",
    ],
    [
      "numWorkers 1.5",
      { accepts: [Ping], emits: [], numWorkers: 1.5 },
      "numWorkers must be an integer >= 1; got 1.5",
    ],
    [
      "an empty accepts",
      { accepts: [], emits: [] },
      "`accepts` must be a non-empty array of event classes",
    ],
    ["a missing accepts", { emits: [] }, "`accepts` must be a non-empty array of event classes"],
    [
      "a non-event class in accepts",
      { accepts: [class Order {}], emits: [] },
      "accepts[0] is class Order, not an event class",
    ],
    [
      "a non-event class in emits",
      { accepts: [Ping], emits: [Pong, Date] },
      "emits[1] is class Date, not an event class",
    ],
    [
      "a string in emits",
      { accepts: [Ping], emits: ["Pong"] },
      "emits[0] is Pong, not an event class",
    ],
    ["emits missing", { accepts: [Ping] }, "`emits` must be an array of event classes"],
    [
      "a negative timeout",
      { accepts: [Ping], emits: [], timeout: -5 },
      "timeout must be a positive number of milliseconds; got -5",
    ],
    [
      "a retry that is no policy",
      { accepts: [Ping], emits: [], retry: 3 },
      "retry must be a RetryPolicy",
    ],
    ["an empty name", { accepts: [Ping], emits: [], name: "" }, "name must be a non-empty string"],
    [
      "services not strings",
      { accepts: [Ping], emits: [], services: [1] },
      "services must be an array of service names",
    ],
  ])(
    "throws WorkflowValidationError from step() for %s, naming the option",
    (_what, options, message) => {
      const call = () => step(options as never, () => null);
      expect(call).toThrow(WorkflowValidationError);
      expect(call).toThrow(message);
    },
  );

  it("names the step in the message when it has a name", () => {
    expect(() =>
      step({ name: "audit", accepts: [Ping], emits: [], numWorkers: 0 }, () => null),
    ).toThrow("step audit: numWorkers must be an integer >= 1; got 0");
  });

  it("rejects options that are not an object, and a handler that is not a function", () => {
    expect(() => step(null as never, () => null)).toThrow(WorkflowValidationError);
    expect(() => step({ accepts: [Ping], emits: [] }, 5 as never)).toThrow(
      "step(): the handler must be a function; got number",
    );
  });

  it("checks decorator options when the decorator is made", () => {
    expect(() => step({ accepts: [], emits: [] })).toThrow(WorkflowValidationError);
  });
});

describe("bad workflow and run options", () => {
  class Ok extends Workflow {
    start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
  }

  it.each([
    [
      "a negative timeout",
      { timeout: -1 },
      "new Ok(options): timeout must be a positive number of ms, or null for none; got -1",
    ],
    ["a timeout of Infinity", { timeout: Infinity }, "timeout must be a positive number of ms"],
    ["a non-boolean verbose", { verbose: "yes" }, "new Ok(options): verbose must be a boolean"],
    [
      "a non-boolean disableValidation",
      { disableValidation: 1 },
      "disableValidation must be a boolean",
    ],
    ["a logger that is no function", { logger: "console" }, "logger must be a function"],
    ["a tracer that is no tracer", { tracer: {} }, "tracer must be an OpenTelemetry Tracer"],
  ])("rejects %s in the constructor with WorkflowValidationError", (_what, options, message) => {
    const make = () => new Ok(options as never);
    expect(make).toThrow(WorkflowValidationError);
    expect(make).toThrow(message);
  });

  it("reports every bad workflow option at once", () => {
    try {
      new Ok({ timeout: 0, verbose: 1 } as never);
      expect.unreachable();
    } catch (e) {
      expect((e as WorkflowValidationError).problems).toHaveLength(2);
    }
  });

  it("accepts timeout: null", async () => {
    expect(await new Ok({ timeout: null }).run()).toBe(1);
  });

  it.each([
    ["a signal that is no AbortSignal", { signal: {} }, "Ok.run(): signal must be an AbortSignal"],
    [
      "a zero timeout",
      { timeout: 0 },
      "Ok.run(): timeout must be a positive number of ms, or null",
    ],
    ["a non-boolean stepwise", { stepwise: "yes" }, "Ok.run(): stepwise must be a boolean"],
    ["a parent that is no ctx", { parent: {} }, "Ok.run(): parent must be a step's ctx"],
  ])(
    "rejects %s in run() with WorkflowValidationError; no run starts",
    (_what, options, message) => {
      const run = () => new Ok().run({}, options as never);
      expect(run).toThrow(WorkflowValidationError);
      expect(run).toThrow(message);
    },
  );
});

describe("the error family", () => {
  it("roots every error in WorkflowError with a stable code and name", () => {
    const errors: WorkflowError[] = [
      new WorkflowValidationError("x"),
      new WorkflowRuntimeError("x"),
    ];
    for (const e of errors) {
      expect(e).toBeInstanceOf(WorkflowError);
      expect(e).toBeInstanceOf(Error);
    }
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ["WorkflowValidationError", "VALIDATION"],
      ["WorkflowRuntimeError", "RUNTIME"],
    ]);
  });

  it("serializes a failure on the stream as its name and message", async () => {
    class Fails extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, _ctx: Context) => {
        throw new RangeError("out of range");
      });
    }
    const { terminal } = await outcome(new Fails().run());
    expect(terminal?.toJSON()).toEqual({
      type: "WorkflowFailedEvent",
      data: { step: "start", error: { name: "RangeError", message: "out of range" }, attempts: 1 },
    });
  });
});
