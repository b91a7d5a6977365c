import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowValidationError,
  step,
} from "../../src/index.js";

class Doubled extends Event.define({ n: z.number() }) {}

class LegacyWorkflow extends Workflow {
  @step({ accepts: [StartEvent], emits: [Doubled] })
  async start(ev: StartEvent) {
    return new Doubled({ n: Number(ev["n"]) * 2 });
  }

  @step({ accepts: [Doubled], emits: [StopEvent] })
  finish(ev: Doubled) {
    return new StopEvent({ result: ev.n });
  }
}

it("runs decorated methods compiled with the legacy experimentalDecorators convention", async () => {
  expect(await new LegacyWorkflow().run({ n: 21 })).toBe(42);
});

describe("legacy decorators", () => {
  class Ping extends Event.define({ n: z.number() }) {}

  it("calls the method with the workflow as this, and inherits it in subclasses", async () => {
    class Base extends Workflow {
      readonly label: string = "base";
      @step({ accepts: [StartEvent], emits: [Ping] })
      start() {
        return new Ping({ n: 1 });
      }
      @step({ accepts: [Ping], emits: [StopEvent] })
      async finish(ev: Ping): Promise<Event | void> {
        return new StopEvent({ result: `${this.label} ${ev.n}` });
      }
    }
    class Derived extends Base {
      override readonly label = "derived";
    }
    expect(await new Base().run()).toBe("base 1");
    expect(await new Derived().run()).toBe("derived 1");
  });

  it("rejects a bare @step with WorkflowValidationError saying to pass options", () => {
    const define = () => {
      class Bare extends Workflow {
        // @ts-expect-error @step needs its options
        @step
        start() {}
      }
      return Bare;
    };
    expect(define).toThrow(WorkflowValidationError);
    expect(define).toThrow(/@step must be called with its options/);
  });

  it("rejects @step on a static method, naming it", () => {
    const define = () => {
      class Static extends Workflow {
        @step({ accepts: [Ping], emits: [] })
        static handle(_ev: Ping) {}
      }
      return Static;
    };
    expect(define).toThrow(WorkflowValidationError);
    expect(define).toThrow(/cannot decorate the static method handle/);
  });

  it("rejects @step on a field, naming it and showing the field form", () => {
    const define = () => {
      class Field extends Workflow {
        // @ts-expect-error a field is not a method
        @step({ accepts: [Ping], emits: [] })
        handle = 1;
      }
      return Field;
    };
    expect(define).toThrow(WorkflowValidationError);
    expect(define).toThrow(/handle is not a method. For a field write handle = step\(/);
  });

  it("checks the return type against emits at compile time", () => {
    class Other extends Event.define({ text: z.string() }) {}
    class Checked extends Workflow {
      // @ts-expect-error Other is not in emits
      @step({ accepts: [Ping], emits: [StopEvent] })
      handle(_ev: Ping) {
        return new Other({ text: "x" });
      }
    }
    void Checked;
  });
});
