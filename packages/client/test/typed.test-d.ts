// client.workflow<W>(name).run(input) checks input against W's start event at compile time.
import { expectTypeOf, it } from "vitest";
import { type EventJSON, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { z } from "zod";
import { WorkflowClient, type RemoteHandler } from "@eventloom/client";
import type { OrderWorkflow } from "./support/workflows.js";

const client = new WorkflowClient({ baseUrl: "http://127.0.0.1:8787" });

it("types input and result from the workflow class", () => {
  const orders = client.workflow<OrderWorkflow>("order");
  // A plain StopEvent's result is not typed by core: unknown.
  expectTypeOf(orders.run({ orderId: "o-1" })).resolves.toEqualTypeOf<RemoteHandler<unknown>>();
  void orders.run({ orderId: "o-1", quantity: 2 });
  // @ts-expect-error orderId is required
  void orders.run({ quantity: 2 });
  // @ts-expect-error orderId is a string
  void orders.run({ orderId: 1 });
  expectTypeOf<Awaited<ReturnType<RemoteHandler<number>["result"]>>>().toEqualTypeOf<number>();
});

it("a custom stop event arrives as its EventJSON", () => {
  class Done extends StopEvent.define({ total: z.number() }) {
    static override typeName = "Done";
  }
  class Priced extends Workflow {
    start = step({ accepts: [StartEvent], emits: [Done] }, () => new Done({ total: 1 }));
  }
  expectTypeOf(client.workflow<Priced>("priced").run({})).resolves.toEqualTypeOf<
    RemoteHandler<EventJSON>
  >();
});

it("the untyped form takes any object", () => {
  void client.run("order", { anything: 1 });
  expectTypeOf(client.run("order", {})).resolves.toEqualTypeOf<RemoteHandler<unknown>>();
});
