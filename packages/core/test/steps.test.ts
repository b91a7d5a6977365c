import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  Event,
  StartEvent,
  StopEvent,
  type StepDefinition,
  Workflow,
  WorkflowValidationError,
  describeWorkflow,
  isStepDefinition,
  step,
} from "../src/index.js";

class Ping extends Event.define({ n: z.number() }) {}
class Pong extends Event.define({ n: z.number() }) {}
class Audit extends Event.define({ note: z.string() }) {}

describe("the three forms of a step", () => {
  class ThreeForms extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Ping] }, (ev) => {
      return new Ping({ n: Number(ev["n"]) });
    });

    @step({ accepts: [Ping], emits: [Pong] })
    async ping(ev: Ping, _ctx: Context) {
      return new Pong({ n: ev.n + 1 });
    }
  }
  ThreeForms.addStep(
    step({ name: "pong", accepts: [Pong], emits: [StopEvent] }, (ev) => {
      return new StopEvent({ result: ev.n * 10 });
    }),
  );

  it("runs a field step, a decorated method and an unbound step in one workflow", async () => {
    const handler = new ThreeForms().run({ n: 1 });
    expect(await handler).toBe(20);
    expect(handler.history.map((r) => r.step)).toEqual(["start", "ping", "pong"]);
  });

  it("describes all three alike: name, accepts, emits and the defaults", () => {
    const steps = describeWorkflow(new ThreeForms()).steps;
    expect(steps.map((s) => [s.name, s.accepts, s.emits, s.numWorkers])).toEqual([
      ["start", [StartEvent], [Ping], 4],
      ["ping", [Ping], [Pong], 4],
      ["pong", [Pong], [StopEvent], 4],
    ]);
  });

  it("returns a StepDefinition from step(options, handler)", () => {
    const def = step(
      { accepts: [Ping], emits: [], numWorkers: 2, timeout: 50, name: "x" },
      () => {},
    );
    expect(isStepDefinition(def)).toBe(true);
    expect(def).toMatchObject({
      name: "x",
      accepts: [Ping],
      emits: [],
      numWorkers: 2,
      timeout: 50,
    });
  });

  it("calls decorated methods with the workflow instance as this", async () => {
    class UsesThis extends Workflow {
      readonly factor = 3;
      @step({ accepts: [StartEvent], emits: [StopEvent] })
      start() {
        return new StopEvent({ result: this.factor * 2 });
      }
    }
    expect(await new UsesThis().run()).toBe(6);
  });

  it("takes sync handlers, and handlers that return null or undefined to emit nothing", async () => {
    class Quiet extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping, Pong] }, (_ev, ctx) => {
        ctx.sendEvent(new Ping({ n: 1 }));
        ctx.sendEvent(new Pong({ n: 2 }));
        return null;
      });
      ping = step({ accepts: [Ping], emits: [] }, () => undefined);
      pong = step({ accepts: [Pong], emits: [StopEvent] }, (ev) => new StopEvent({ result: ev.n }));
    }
    const handler = new Quiet().run();
    expect(await handler).toBe(2);
    expect(handler.history.find((r) => r.step === "ping")?.output).toEqual([]);
  });
});

describe("inheritance", () => {
  class Base extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Ping] }, () => new Ping({ n: 1 }));
    finish = step(
      { accepts: [Ping], emits: [StopEvent] },
      (ev) => new StopEvent({ result: `base ${ev.n}` }),
    );
  }

  it("lets a subclass override an inherited field step with different accepts and emits", async () => {
    class Derived extends Base {
      // TypeScript checks an overriding field against the base field's type, and Pong is no
      // StopEvent: annotate the override as a plain StepDefinition. The handler is still typed
      // (and its return checked against emits) by step().
      override finish: StepDefinition = step(
        { accepts: [Ping], emits: [Pong] },
        (ev) => new Pong({ n: ev.n + 1 }),
      );
      pong = step(
        { accepts: [Pong], emits: [StopEvent] },
        (ev) => new StopEvent({ result: `derived ${ev.n}` }),
      );
    }
    expect(await new Base().run()).toBe("base 1");
    expect(await new Derived().run()).toBe("derived 2");
  });

  it("keeps a decorated method's step options when a subclass overrides its body", async () => {
    class Decorated extends Workflow {
      @step({ accepts: [StartEvent], emits: [StopEvent] })
      async start(): Promise<Event | void> {
        return new StopEvent({ result: "base" });
      }
    }
    class Overridden extends Decorated {
      override async start(): Promise<Event | void> {
        return new StopEvent({ result: "override" });
      }
    }
    expect(await new Overridden().run()).toBe("override");
    expect(await new Decorated().run()).toBe("base");
  });

  it("gives addStep steps to the class and its subclasses, never to its parent", async () => {
    class Parent extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Audit, StopEvent] }, (ev) =>
        ev["audit"] ? new Audit({ note: "n" }) : new StopEvent({ result: "parent" }),
      );
    }
    class Child extends Parent {}
    class GrandChild extends Child {}
    Child.addStep(
      step({ name: "audit", accepts: [Audit], emits: [StopEvent] }, (ev) => {
        return new StopEvent({ result: `audited ${ev.note}` });
      }),
    );
    const names = (wf: Workflow) => describeWorkflow(wf).steps.map((s) => s.name);
    expect(names(new Child())).toEqual(["start", "audit"]);
    expect(names(new GrandChild())).toEqual(["start", "audit"]);
    expect(await new GrandChild().run({ audit: true })).toBe("audited n");
    // The parent never sees it: Audit has no consumer there.
    expect(() => new Parent().run({ audit: true })).toThrow(/Audit is emitted by start/);
  });

  it("sees a step added to a parent after the subclass's instance was created", async () => {
    class Parent extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Ping] }, () => new Ping({ n: 4 }));
    }
    class Child extends Parent {}
    const child = new Child({ disableValidation: true });
    Parent.addStep(
      step({ name: "late", accepts: [Ping], emits: [StopEvent] }, (ev) => {
        return new StopEvent({ result: ev.n });
      }),
    );
    expect(await child.run()).toBe(4);
  });
});

describe("addStep errors", () => {
  it("rejects a duplicate name at once, naming it", () => {
    class Dup extends Workflow {}
    Dup.addStep(step({ name: "audit", accepts: [Audit], emits: [] }, () => {}));
    const again = () => Dup.addStep(step({ name: "audit", accepts: [Audit], emits: [] }, () => {}));
    expect(again).toThrow(WorkflowValidationError);
    expect(again).toThrow(/Dup\.addStep\(\): a step named audit already exists/);
  });

  it("rejects a name that clashes with an inherited unbound step or a decorated method", () => {
    class Parent extends Workflow {
      @step({ accepts: [Ping], emits: [] })
      handle() {}
    }
    Parent.addStep(step({ name: "audit", accepts: [Audit], emits: [] }, () => {}));
    class Child extends Parent {}
    expect(() =>
      Child.addStep(step({ name: "audit", accepts: [Audit], emits: [] }, () => {})),
    ).toThrow(/a step named audit already exists/);
    expect(() =>
      Child.addStep(step({ name: "handle", accepts: [Ping], emits: [] }, () => {})),
    ).toThrow(/a step named handle already exists/);
  });

  it("rejects a step with no name, saying how to give one", () => {
    class NoName extends Workflow {}
    const anonymous = () => NoName.addStep(step({ accepts: [Audit], emits: [] }, () => {}));
    expect(anonymous).toThrow(WorkflowValidationError);
    expect(anonymous).toThrow(/NoName\.addStep\(\): the step has no name/);
  });

  it("names a step after its handler function when no name is given", () => {
    class Named extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Audit] }, () => new Audit({ note: "x" }));
    }
    Named.addStep(
      step({ accepts: [Audit], emits: [StopEvent] }, function auditTrail(ev) {
        return new StopEvent({ result: ev.note });
      }),
    );
    expect(describeWorkflow(new Named()).steps.map((s) => s.name)).toEqual(["start", "auditTrail"]);
  });

  it("rejects something that is not a step definition", () => {
    class Wrong extends Workflow {}
    expect(() => Wrong.addStep((() => {}) as never)).toThrow(
      /Wrong\.addStep\(\) takes what step\(\{ \.\.\. \}, handler\) returns/,
    );
  });
});
