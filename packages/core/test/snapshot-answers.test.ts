import { expect, it } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, memoryJournal, step } from "../src/index.js";

class Ask extends Event.define({ q: z.string() }, { name: "Ask" }) {}
class Answer extends Event.define({ ok: z.boolean() }, { name: "Answer" }) {}

class Approval extends Workflow {
  static override workflowName = "Approval";
  static override externalEvents = [Answer];
  ask = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const answer = await ctx.waitForEvent(Answer, { waiterEvent: new Ask({ q: "ship it?" }) });
    return new StopEvent({ result: answer.ok ? "approved" : "rejected" });
  });
}

it.each([
  ["in memory", () => ({})],
  ["on a journal", () => ({ journal: memoryJournal() })],
])(
  "an answer sent right after resume(snapshot) (%s) waits for the invocation that runs again",
  async (_, options) => {
    const h = new Approval({ timeout: null, ...options() }).run();
    for await (const ev of h.streamEvents()) if (ev instanceof Ask) break;
    const snap = JSON.parse(JSON.stringify(await h.snapshot())) as Awaited<
      ReturnType<typeof h.snapshot>
    >;
    await h.cancel();
    const again = new Approval({ timeout: null }).resume(snap);
    const dropped: unknown[] = [];
    again.unhandled$.subscribe((u) => dropped.push(u));
    again.sendEvent(new Answer({ ok: true }));
    await expect(again).resolves.toBe("approved");
    expect(dropped).toEqual([]);
  },
);
