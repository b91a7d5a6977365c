// CORE BUG (for the lead; core is not ours to fix; fails on the committed core and on the
// working tree of 19:00): DESIGN.md's own snapshot example,
//   const h2 = wf.resume(snap); h2.sendEvent(new Approval({ ok: true })); await h2;
// never settles: the answer sent right after resume() reaches the run before the in-flight
// invocation has run again and called waitForEvent, no step accepts it, and it is dropped as
// unhandled instead of being kept in the wait buffer for the invocation that was waiting for
// it (DESIGN: an event of a class that a live invocation of the run is waiting for, or waited
// for, is kept). The test sees the drop on unhandled$ at once, so it fails fast rather than
// hanging. The docs snapshot sample (docs/examples/durable-runs-snapshot.ts) shows the pinned
// usage. Fixed in core: a restored invocation's waits are expected again from the resume on
// (runtime/apply-snapshot.ts, expectWaits), so the answer is buffered for its re-run.
import { expect, it } from "vitest";
import { z } from "zod";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  step,
} from "@eventloom/core";

class Ask extends InputRequiredEvent.define({ q: z.string() }) {}
class Answer extends HumanResponseEvent.define({ ok: z.boolean() }) {}

class Approval extends Workflow {
  static override workflowName = "Approval";
  static override externalEvents = [Answer];
  ask = step({ accepts: [StartEvent], emits: [Ask, StopEvent] }, async (_ev, ctx) => {
    const answer = await ctx.waitForEvent(Answer, { waiterEvent: new Ask({ q: "ship it?" }) });
    return new StopEvent({ result: answer.ok ? "approved" : "rejected" });
  });
}

it("an answer sent right after resume(snapshot) reaches the wait that runs again", async () => {
  const h = new Approval({ timeout: null }).run();
  for await (const ev of h.streamEvents()) if (ev instanceof Ask) break;
  const snap = JSON.parse(JSON.stringify(await h.snapshot())) as Awaited<
    ReturnType<typeof h.snapshot>
  >;
  await h.cancel();

  const again = new Approval({ timeout: null }).resume(snap);
  const dropped = new Promise<never>((_resolve, reject) =>
    again.unhandled$.subscribe(({ event }) =>
      reject(new Error(`the answer was dropped as unhandled: ${JSON.stringify(event.toJSON())}`)),
    ),
  );
  again.sendEvent(new Answer({ ok: true }));
  expect(await Promise.race([again, dropped])).toBe("approved");
});
