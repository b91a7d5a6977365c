import { expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  type RunSnapshot,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  type WorkflowHandler,
  step,
} from "../src/index.js";

class Go extends Event.define({ ok: z.boolean() }, { name: "Go" }) {}

const started: WorkflowHandler<unknown>[] = [];

class Child extends Workflow {
  static override workflowName = "Child";
  static override externalEvents = [Go];
  wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const go = await ctx.waitForEvent(Go);
    return new StopEvent({ result: go.ok ? "child done" : "child no" });
  });
}

class Parent extends Workflow {
  static override workflowName = "Parent";
  constructor() {
    super({ timeout: null });
    this.services.set("child", new Child({ timeout: null }));
  }
  delegate = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["child"] },
    async (_ev, ctx, services) => {
      const child = (services["child"] as Child).run({}, { parent: ctx });
      started.push(child);
      return new StopEvent({ result: `parent got ${String(await child)}` });
    },
  );
}

it("a parent's snapshot names the nested run its invocation started; resuming starts it anew", async () => {
  started.length = 0;
  const h = new Parent().run();
  while (started.length === 0 || started[0]!.history[0]?.waitingFor === undefined)
    await new Promise((r) => setImmediate(r));
  const snap = JSON.parse(JSON.stringify(await h.snapshot())) as RunSnapshot;
  expect(snap.inFlight).toHaveLength(1);
  expect(snap.inFlight[0]!.nested).toEqual([{ workflow: "Child", runId: started[0]!.runId }]);

  await h.cancel();
  // The nested run inherits its parent's cancellation.
  await expect(started[0]!).rejects.toBeInstanceOf(WorkflowCancelledError);

  const again = new Parent().resume(snap);
  while (started.length < 2 || started[1]!.history[0]?.waitingFor === undefined)
    await new Promise((r) => setImmediate(r));
  expect(started[1]!.runId).not.toBe(started[0]!.runId);
  started[1]!.sendEvent(new Go({ ok: true }));
  await expect(again).resolves.toBe("parent got child done");
});
