import {
  Event,
  EventValidationError,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowFailedEvent,
  WorkflowRuntimeError,
  WorkflowTimedOutEvent,
  WorkflowTimeoutError,
  WorkflowValidationError,
  step,
} from "@eventloom/core";
import { testRun } from "@eventloom/testing";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Audit,
  Charged,
  Checkout,
  type Gateway,
  Order,
  PaymentDeclined,
  Progress,
  Reserved,
  auditLog,
} from "./support/workflows.js";

const types = (events: readonly Event[]) => events.map((e) => e.toJSON().type);
const gateway: Gateway = async () => 1_250;

afterEach(() => {
  auditLog.length = 0;
});

describe("testRun", () => {
  it("gives the result, the stream, every emitted event in order and the history", async () => {
    const run = await testRun(new Checkout(gateway), { orderId: "o-1" });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe("completed");
    expect(run.result).toBe("o-1 shipped for 1250");
    expect(types(run.stream)).toEqual(["Progress", "StopEvent"]);
    expect(types(run.emitted)).toEqual(["Reserved", "Charged", "Audit", "StopEvent"]);
    expect(run.history.map((r) => [r.step, r.status])).toEqual([
      ["reserve", "completed"],
      ["charge", "completed"],
      ["ship", "completed"],
      ["audit", "completed"],
    ]);
    expect(run.spans).toEqual([]); // nothing records spans here
    expect(run.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("returns a failing run's own error instead of throwing, with the stream ending in WorkflowFailedEvent", async () => {
    const declined: Gateway = async () => {
      throw new PaymentDeclined("card declined");
    };
    const run = await testRun(new Checkout(declined), { orderId: "o-2" });
    expect(run.error).toBeInstanceOf(PaymentDeclined);
    expect((run.error as Error).message).toBe("card declined");
    expect(run.status).toBe("failed");
    expect(run.result).toBeUndefined();
    const last = run.stream.at(-1);
    expect(last).toBeInstanceOf(WorkflowFailedEvent);
    expect(last).toMatchObject({ step: "charge", attempts: 1 });
    expect(types(run.emitted)).toEqual(["Reserved"]);
    expect(run.history.map((r) => [r.step, r.status])).toEqual([
      ["reserve", "completed"],
      ["charge", "failed"],
    ]);
  });

  it("returns what run() throws (bad input) as the error, with no run", async () => {
    const run = await testRun(new Checkout(gateway), { orderId: 7 } as never);
    expect(run.error).toBeInstanceOf(EventValidationError);
    expect(run.runId).toBeUndefined();
    expect(run.stream).toEqual([]);
  });

  it("returns a broken graph's WorkflowValidationError as the error, mocks or not", async () => {
    class Orphan extends Event.define({ x: z.number() }, { name: "Orphan" }) {}
    class Broken extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, () => new StopEvent({}));
      lost = step({ accepts: [Orphan], emits: [StopEvent] }, () => new StopEvent({}));
    }
    for (const options of [{}, { mockSteps: { lost: () => undefined } }]) {
      const { error, runId } = await testRun(new Broken(), {}, options);
      expect(error).toBeInstanceOf(WorkflowValidationError);
      expect((error as Error).message).toMatch(/Orphan is accepted by lost but no step emits it/);
      expect(runId).toBeUndefined();
    }
  });

  it("returns a timeout as WorkflowTimeoutError, using the timeout option", async () => {
    const never: Gateway = () => new Promise(() => {});
    const run = await testRun(new Checkout(never), { orderId: "o-3" }, { timeout: 50 });
    expect(run.error).toBeInstanceOf(WorkflowTimeoutError);
    expect(run.status).toBe("timed_out");
    expect(run.stream.at(-1)).toBeInstanceOf(WorkflowTimedOutEvent);
    expect((run.error as WorkflowTimeoutError).message).toContain("charge");
  });

  describe("mockSteps", () => {
    it("runs the mock in place of a field step; the other steps run as they are", async () => {
      const run = await testRun(
        new Checkout(gateway),
        { orderId: "o-4" },
        { mockSteps: { charge: (ev) => new Charged({ orderId: ev.orderId, cents: 0 }) } },
      );
      expect(run.result).toBe("o-4 shipped for 0");
      expect(types(run.stream)).toEqual(["Progress", "StopEvent"]);
    });

    it("keeps the step's emits: a mock that returns an undeclared event fails the run", async () => {
      const run = await testRun(
        new Checkout(gateway),
        { orderId: "o-5" },
        { mockSteps: { charge: () => new Progress({ line: "oops" }) as never } },
      );
      expect(run.error).toBeInstanceOf(WorkflowRuntimeError);
      expect((run.error as Error).message).toMatch(/charge/);
      expect((run.error as Error).message).toMatch(/Progress/);
    });

    it("keeps the step's accepts: the mock gets the event the step accepts", async () => {
      const seen: unknown[] = [];
      await testRun(
        new Checkout(gateway),
        { orderId: "o-6" },
        {
          mockSteps: {
            charge: (ev, ctx) => {
              seen.push(ev, ctx.runId);
              return new Charged({ orderId: ev.orderId, cents: 1 });
            },
          },
        },
      );
      expect(seen[0]).toBeInstanceOf(Reserved);
      expect(typeof seen[1]).toBe("string");
    });

    it("mocks an unbound (addStep) step by name", async () => {
      const mocked: string[] = [];
      const run = await testRun(
        new Checkout(gateway),
        { orderId: "o-7" },
        { mockSteps: { audit: (ev: Audit) => void mocked.push(ev.what) } },
      );
      expect(run.error).toBeUndefined();
      expect(mocked).toEqual(["shipped o-7"]);
      expect(auditLog).toEqual([]);
    });

    it("mocks a decorated method step and keeps its options", async () => {
      class Start extends StartEvent.define({ n: z.number() }) {}
      class Doubled extends Event.define({ n: z.number() }) {}
      class Maths extends Workflow {
        #factor = 2;
        @step({ accepts: [Start], emits: [Doubled] })
        double(ev: Start): Doubled {
          return new Doubled({ n: ev.n * this.#factor });
        }
        @step({ accepts: [Doubled], emits: [StopEvent] })
        finish(ev: Doubled): StopEvent {
          return new StopEvent({ result: ev.n * this.#factor });
        }
      }
      const wf = new Maths();
      const plain = await testRun(wf, { n: 3 });
      expect(plain.result).toBe(12);
      const mocked = await testRun(
        wf,
        { n: 3 },
        { mockSteps: { double: (ev: Start) => new Doubled({ n: ev.n }) } },
      );
      // The method that is not mocked runs on the original instance: its private field works.
      expect(mocked.error).toBeUndefined();
      expect(mocked.result).toBe(6);
    });

    it("leaves the workflow instance and its class unchanged", async () => {
      const wf = new Checkout(gateway);
      const charge = wf.charge;
      await testRun(
        wf,
        { orderId: "o-8" },
        {
          mockSteps: {
            charge: (ev) => new Charged({ orderId: ev.orderId, cents: 0 }),
            audit: () => {},
          },
        },
      );
      expect(wf.charge).toBe(charge);
      expect(await wf.run({ orderId: "o-8" })).toBe("o-8 shipped for 1250");
      expect(auditLog).toEqual(["shipped o-8"]);
      expect(Object.getPrototypeOf(wf)).toBe(Checkout.prototype);
      expect(await new Checkout(gateway).run({ orderId: "o-9" })).toBe("o-9 shipped for 1250");
    });

    it("keeps the workflow's name, options and retry policy on the copy", async () => {
      class Flaky extends Workflow {
        static override workflowName = "flaky-one";
        work = step(
          {
            accepts: [StartEvent],
            emits: [StopEvent],
            retry: { next: ({ attempt }) => (attempt < 3 ? 1 : null) },
          },
          () => new StopEvent({ result: "real" }),
        );
      }
      let calls = 0;
      const run = await testRun(
        new Flaky({ timeout: 5_000 }),
        {},
        {
          mockSteps: {
            work: (_ev, ctx) => {
              calls++;
              if (ctx.retry.attempt < 3) throw new Error(`attempt ${ctx.retry.attempt}`);
              return new StopEvent({ result: `mocked on attempt ${ctx.retry.attempt}` });
            },
          },
        },
      );
      expect(run.result).toBe("mocked on attempt 3");
      expect(calls).toBe(3);
      expect(run.history.map((r) => r.status)).toEqual(["failed", "failed", "completed"]);
    });

    it("rejects a step name the workflow does not have, listing the real ones", async () => {
      const error = await testRun(
        new Checkout(gateway),
        { orderId: "o" },
        { mockSteps: { chrage: () => undefined } },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowValidationError);
      expect((error as Error).message).toBe(
        'testRun(Checkout): mockSteps names "chrage" (did you mean charge?), but Checkout has no such step; its steps are: reserve, charge, ship, audit',
      );
    });

    it("rejects a mock that is not a function", async () => {
      await expect(
        testRun(new Checkout(gateway), { orderId: "o" }, { mockSteps: { charge: 42 as never } }),
      ).rejects.toThrow(/mockSteps.charge must be a step handler/);
    });
  });

  it("rejects unknown and bad options, naming them", async () => {
    await expect(
      testRun(new Checkout(gateway), { orderId: "o" }, { timout: 5 } as never),
    ).rejects.toThrow(/unknown option timout \(did you mean timeout\?\)/);
    await expect(testRun(new Checkout(gateway), { orderId: "o" }, { timeout: -1 })).rejects.toThrow(
      /timeout must be a positive number/,
    );
    await expect(testRun({} as never, {})).rejects.toThrow(/workflow must be a Workflow instance/);
  });

  it("accepts an event as input, as run() does", async () => {
    const run = await testRun(new Checkout(gateway), new Order({ orderId: "o-10" }));
    expect(run.result).toBe("o-10 shipped for 1250");
  });
});
