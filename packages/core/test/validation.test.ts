import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowOptions,
  WorkflowValidationError,
  step,
} from "../src/index.js";

class Ping extends Event.define({ n: z.number() }) {}
class Pong extends Event.define({ n: z.number() }) {}
class Orphan extends Event.define({ why: z.string() }) {}
class TypedStart extends StartEvent.define({ q: z.string() }) {}
class Done extends StopEvent.define({ ok: z.boolean() }) {}

/** The error `run()` throws for a workflow class, or a failure if it does not throw one. */
function validationError(Wf: new (o?: WorkflowOptions) => Workflow): WorkflowValidationError {
  try {
    new Wf().run();
  } catch (e) {
    expect(e).toBeInstanceOf(WorkflowValidationError);
    return e as WorkflowValidationError;
  }
  throw new Error(`${Wf.name}.run() did not throw`);
}

describe("validation at run()", () => {
  it("rejects a workflow where no step accepts the start event", () => {
    class NoStart extends Workflow {
      ping = step({ accepts: [Ping], emits: [Ping, StopEvent] }, () => null);
    }
    const err = validationError(NoStart);
    expect(err.message).toContain("NoStart: No step accepts a start event");
    expect(err.code).toBe("VALIDATION");
  });

  it("rejects more than one start event class, naming the classes and their steps", () => {
    class TwoStarts extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent] }, () => null);
      b = step({ accepts: [TypedStart], emits: [StopEvent] }, () => null);
    }
    expect(validationError(TwoStarts).message).toContain(
      "More than one start event class: StartEvent (accepted by a), TypedStart (accepted by b)",
    );
  });

  it("rejects more than one stop event class, naming the classes and their steps", () => {
    class TwoStops extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent, Ping] }, () => null);
      b = step({ accepts: [Ping], emits: [Done] }, () => null);
    }
    expect(validationError(TwoStops).message).toContain(
      "More than one stop event class: StopEvent (emitted by a), Done (emitted by b)",
    );
  });

  it("rejects a workflow where no step emits a stop event", () => {
    class NoStop extends Workflow {
      a = step({ accepts: [StartEvent], emits: [Ping] }, () => null);
      b = step({ accepts: [Ping], emits: [] }, () => null);
    }
    expect(validationError(NoStop).message).toContain("No step emits a stop event");
  });

  it("rejects a step that accepts a stop event, naming the step", () => {
    class AcceptsStop extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent] }, () => null);
      watcher = step({ accepts: [StopEvent], emits: [] }, () => null);
    }
    expect(validationError(AcceptsStop).message).toContain(
      "Step watcher accepts the stop event StopEvent",
    );
  });

  it("rejects an event that is consumed but never produced, naming the event and its consumers", () => {
    class Consumed extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent] }, () => null);
      waitForOrphan = step({ accepts: [Orphan], emits: [StopEvent] }, () => null);
    }
    expect(validationError(Consumed).message).toContain(
      "Event Orphan is accepted by waitForOrphan but no step emits it",
    );
  });

  it("rejects an event that is produced but never consumed, naming the event and its producers", () => {
    class Produced extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent, Orphan] }, () => null);
    }
    expect(validationError(Produced).message).toContain(
      "Event Orphan is emitted by a but no step accepts it",
    );
  });

  it("exempts the stop event and the human-in-the-loop events from the produced/consumed checks", async () => {
    class Human extends Workflow {
      ask = step(
        { accepts: [StartEvent], emits: [InputRequiredEvent] },
        () => new InputRequiredEvent({ q: "?" }),
      );
      answer = step(
        { accepts: [HumanResponseEvent], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev["a"] }),
      );
    }
    const handler = new Human().run();
    for await (const ev of handler.streamEvents()) {
      if (ev instanceof InputRequiredEvent) handler.sendEvent(new HumanResponseEvent({ a: 1 }));
    }
    expect(await handler).toBe(1);
  });

  it("rejects a requested service that is missing, naming the step and the service", () => {
    class NeedsService extends Workflow {
      a = step(
        { accepts: [StartEvent], emits: [StopEvent], services: ["tradeStation"] },
        () => null,
      );
    }
    const err = validationError(NeedsService);
    expect(err.message).toContain(
      'NeedsService: step a requests the service "tradeStation", but none is registered',
    );
    const wf = new NeedsService();
    wf.services.set("tradeStation", {});
    expect(() => wf.run()).not.toThrow();
  });

  it("rejects duplicate step names (an addStep step clashing with a field)", () => {
    class Clash extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent] }, () => null);
    }
    Clash.addStep(step({ name: "a", accepts: [StartEvent], emits: [StopEvent] }, () => null));
    expect(validationError(Clash).message).toContain("Two steps are named a");
  });

  it("rejects two event classes with the same type name, naming it", () => {
    class First extends Event.define({ n: z.number() }) {
      static override typeName = "Same";
    }
    class Second extends Event.define({ s: z.string() }) {
      static override typeName = "Same";
    }
    class SameNames extends Workflow {
      a = step({ accepts: [StartEvent], emits: [First] }, () => null);
      b = step({ accepts: [First], emits: [Second] }, () => null);
      c = step({ accepts: [Second], emits: [StopEvent] }, () => null);
    }
    expect(validationError(SameNames).message).toMatch(
      /Two event classes share the type name Same \(used by [a-c, ]+\): type names must be unique/,
    );
    // Within one step's list, step() itself catches it.
    expect(() => step({ accepts: [First, Second], emits: [] }, () => null)).toThrow(
      "step(): accepts lists Same twice",
    );
  });

  it("rejects a define() class used directly without a name, naming the step", () => {
    const Unnamed = Event.define({ n: z.number() });
    class UsesUnnamed extends Workflow {
      a = step({ accepts: [StartEvent], emits: [Unnamed] }, () => null);
      b = step({ accepts: [Unnamed], emits: [StopEvent] }, () => null);
    }
    expect(validationError(UsesUnnamed).message).toMatch(
      /A class made with define\(\) is used directly without a name \(in step (a, b|b, a)\)/,
    );
    const Named = Event.define({ n: z.number() }, { name: "Named" });
    class UsesNamed extends Workflow {
      a = step({ accepts: [StartEvent], emits: [Named] }, () => new Named({ n: 2 }));
      b = step({ accepts: [Named], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.n }));
    }
    expect(() => new UsesNamed().run()).not.toThrow();
  });

  it("lists every problem at once, each in the error's problems", () => {
    class Broken extends Workflow {
      a = step({ accepts: [StartEvent], emits: [Orphan] }, () => null);
    }
    const err = validationError(Broken);
    expect(err.problems).toHaveLength(2);
    expect(err.message).toMatch(/^2 problems:\n- /);
    expect(err.problems.join("\n")).toContain("No step emits a stop event");
    expect(err.problems.join("\n")).toContain("Event Orphan is emitted by a");
  });

  it("throws from run() itself, so no run starts", () => {
    let started = 0;
    class Invalid extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent, Orphan] }, () => {
        started++;
        return new StopEvent();
      });
    }
    expect(() => new Invalid().run()).toThrow(WorkflowValidationError);
    expect(started).toBe(0);
  });
});

describe("validation lifecycle", () => {
  it("skips every check with disableValidation", async () => {
    class Loose extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent, Orphan] }, () => {
        return new StopEvent({ result: "ran" });
      });
    }
    expect(() => new Loose().run()).toThrow(WorkflowValidationError);
    expect(await new Loose({ disableValidation: true }).run()).toBe("ran");
  });

  it("validates once per instance: the first run's result is cached", async () => {
    class Cached extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
    }
    const wf = new Cached();
    expect(await wf.run()).toBe(1);
    // Replacing a step on the instance after the first run does not re-validate it...
    (wf as unknown as { a: unknown }).a = step(
      { accepts: [StartEvent], emits: [StopEvent, Orphan] },
      () => new StopEvent({ result: 2 }),
    );
    expect(await wf.run()).toBe(1);
    // ...while a new instance validates its own steps.
    const fresh = new Cached();
    (fresh as unknown as { a: unknown }).a = (wf as unknown as { a: unknown }).a;
    expect(() => fresh.run()).toThrow(/Event Orphan is emitted by a/);
  });

  it("re-validates after addStep, even on an instance that already ran", async () => {
    class Growing extends Workflow {
      a = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({ result: 1 }));
    }
    const wf = new Growing();
    expect(await wf.run()).toBe(1);
    Growing.addStep(step({ name: "pinger", accepts: [Pong], emits: [StopEvent] }, () => null));
    expect(() => wf.run()).toThrow(/Event Pong is accepted by pinger but no step emits it/);
  });
});
