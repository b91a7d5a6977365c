import type { Event } from "@eventloom/core";
import { testRun } from "@eventloom/testing";
import { expectTypeOf, it } from "vitest";
import { Charged, Checkout, Progress, Reserved, Research } from "./support/workflows.js";

it("types a field step's mock from the step: its event and what it may return", () => {
  void testRun(
    new Checkout(async () => 1),
    { orderId: "o" },
    {
      mockSteps: {
        charge: (ev) => {
          expectTypeOf(ev).toEqualTypeOf<Reserved>();
          return new Charged({ orderId: ev.orderId, cents: 1 });
        },
        // An addStep step is mocked by name: its event is not known to the compiler.
        audit: (_ev: Event) => undefined,
      },
    },
  );
});

it("refuses, at compile time, a mock that returns an event the step does not emit", () => {
  void testRun(
    new Checkout(async () => 1),
    { orderId: "o" },
    {
      mockSteps: {
        // @ts-expect-error charge emits Charged, not Progress
        charge: () => new Progress({ line: "no" }),
      },
    },
  );
});

it("types the result from the workflow, and checks the input", async () => {
  const run = await testRun(new Research(), { topic: "t", sources: 1 });
  expectTypeOf(run.result).toEqualTypeOf<unknown>();
  expectTypeOf(run.emitted).toEqualTypeOf<readonly Event[]>();
  // @ts-expect-error sources must be a number
  void testRun(new Research(), { topic: "t", sources: "1" });
});
