import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
  step,
} from "../src/index.js";
import { type Deferred, deferred, streamTypes } from "./support/control.js";

class Note extends Event.define({ n: z.number() }) {}

/** Where a notes workflow pauses: `reached` resolves there, and it goes on at `release`. */
interface Pause {
  readonly reached: Deferred<void>;
  readonly release: Deferred<void>;
}

function pauseBefore(n: number): Map<number, Pause> {
  return new Map([[n, { reached: deferred(), release: deferred() }]]);
}

/**
 * Writes Note 1..count to the stream, pausing before each note whose number is in `pauses`
 * until the test releases it; then stops with "done".
 */
function notesWorkflow(count: number, pauses: Map<number, Pause> = new Map()) {
  return class Notes extends Workflow {
    write = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
      for (let n = 1; n <= count; n++) {
        const pause = pauses.get(n);
        if (pause !== undefined) {
          pause.reached.resolve();
          await pause.release.promise;
        }
        ctx.writeEventToStream(new Note({ n }));
      }
      return new StopEvent({ result: "done" });
    });
  };
}

const label = (ev: Event) => (ev instanceof Note ? ev.n : ev.constructor.name);

async function drain(stream: AsyncIterable<Event>): Promise<(number | string)[]> {
  const out: (number | string)[] = [];
  for await (const ev of stream) out.push(label(ev));
  return out;
}

describe("the run's stream", () => {
  it("delivers written events in call order, then the StopEvent, then completes", async () => {
    const Notes = notesWorkflow(5);
    const handler = new Notes().run();
    expect(await drain(handler.streamEvents())).toEqual([1, 2, 3, 4, 5, "StopEvent"]);
    expect(await handler).toBe("done");
  });

  it("keeps everything written before the first consumer attaches", async () => {
    const Notes = notesWorkflow(3);
    const handler = new Notes().run();
    expect(await handler).toBe("done");
    expect(await drain(handler.streamEvents())).toEqual([1, 2, 3, "StopEvent"]);
  });

  it("gives the first consumer the backlog when it attaches mid-run", async () => {
    const pauses = pauseBefore(3);
    const Notes = notesWorkflow(4, pauses);
    const handler = new Notes().run();
    await pauses.get(3)!.reached.promise;
    const stream = drain(handler.streamEvents());
    pauses.get(3)!.release.resolve();
    expect(await stream).toEqual([1, 2, 3, 4, "StopEvent"]);
  });

  it("gives a consumer that attaches later the events from then on, plus the terminal event", async () => {
    const pauses = pauseBefore(3);
    const Notes = notesWorkflow(4, pauses);
    const handler = new Notes().run();
    const first: (number | string)[] = [];
    const firstDone = deferred();
    handler.events$.subscribe({
      next: (ev) => first.push(label(ev)),
      complete: () => firstDone.resolve(),
    });
    await pauses.get(3)!.reached.promise;
    const late = drain(handler.streamEvents());
    pauses.get(3)!.release.resolve();
    await firstDone.promise;
    expect(first).toEqual([1, 2, 3, 4, "StopEvent"]);
    expect(await late).toEqual([3, 4, "StopEvent"]);
  });

  it("gives a consumer attaching after the end of a consumed stream the terminal event only", async () => {
    const Notes = notesWorkflow(2);
    const handler = new Notes().run();
    expect(await drain(handler.streamEvents())).toEqual([1, 2, "StopEvent"]);
    expect(await drain(handler.streamEvents())).toEqual(["StopEvent"]);
    expect(await drain(handler.streamEvents())).toEqual(["StopEvent"]);
  });

  it("attaches a consumer when streamEvents() is called, not when it is first iterated", async () => {
    const Notes = notesWorkflow(3);
    const handler = new Notes().run();
    const first = handler.streamEvents();
    const second = handler.streamEvents();
    expect(await drain(first)).toEqual([1, 2, 3, "StopEvent"]);
    expect(await drain(second)).toEqual([1, 2, 3, "StopEvent"]);
  });

  it("feeds two concurrent consumers the same events and ends both", async () => {
    const Notes = notesWorkflow(50);
    const handler = new Notes().run();
    const [a, b] = await Promise.all([
      drain(handler.streamEvents()),
      drain(handler.streamEvents()),
    ]);
    expect(a).toHaveLength(51);
    expect(b).toEqual(a);
  });

  it("shows streamEvents() and events$ as two views of one stream", async () => {
    const Notes = notesWorkflow(3);
    const handler = new Notes().run();
    const viaRx: (number | string)[] = [];
    const rxDone = deferred();
    handler.events$.subscribe({
      next: (ev) => viaRx.push(label(ev)),
      complete: () => rxDone.resolve(),
    });
    const viaIterator = await drain(handler.streamEvents());
    await rxDone.promise;
    expect(viaIterator).toEqual([1, 2, 3, "StopEvent"]);
    expect(viaRx).toEqual(viaIterator);
  });

  it("detaches a consumer that breaks out of for await, and the run goes on", async () => {
    const pauses = pauseBefore(2);
    const Notes = notesWorkflow(4, pauses);
    const handler = new Notes().run();
    const other = drain(handler.streamEvents());
    const seen: (number | string)[] = [];
    for await (const ev of handler.streamEvents()) {
      seen.push(label(ev));
      break;
    }
    pauses.get(2)!.release.resolve();
    expect(seen).toEqual([1]);
    expect(await handler).toBe("done");
    expect(await other).toEqual([1, 2, 3, 4, "StopEvent"]);
  });

  it("detaches an events$ subscriber that unsubscribes", async () => {
    const pauses = pauseBefore(2);
    const Notes = notesWorkflow(3, pauses);
    const handler = new Notes().run();
    const seen: (number | string)[] = [];
    const sub = handler.events$.subscribe((ev) => seen.push(label(ev)));
    await pauses.get(2)!.reached.promise;
    const rest = drain(handler.streamEvents());
    sub.unsubscribe();
    pauses.get(2)!.release.resolve();
    expect(await rest).toEqual([2, 3, "StopEvent"]);
    expect(seen).toEqual([1]);
  });

  it("writes an InputRequiredEvent that a step returns", async () => {
    class Ask extends Workflow {
      ask = step(
        { accepts: [StartEvent], emits: [InputRequiredEvent] },
        () => new InputRequiredEvent({ prompt: "name?" }),
      );
      answer = step({ accepts: [InputRequiredEvent], emits: [StopEvent] }, () => {
        return new StopEvent({ result: "asked" });
      });
    }
    const handler = new Ask().run();
    expect(await streamTypes(handler.streamEvents())).toEqual(["InputRequiredEvent", "StopEvent"]);
  });
});

describe("the stream always ends", () => {
  class Boom extends Error {}

  function ending(how: "result" | "error" | "timeout" | "cancel") {
    const started = deferred();
    class Ending extends Workflow {
      go = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        ctx.writeEventToStream(new Note({ n: 1 }));
        if (how === "result") return new StopEvent({ result: "ok" });
        if (how === "error") throw new Boom("boom");
        started.resolve();
        return new Promise<StopEvent>((_resolve, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)),
        );
      });
    }
    const handler = new Ending({ timeout: how === "timeout" ? 40 : null }).run();
    if (how === "cancel") void started.promise.then(() => handler.cancel());
    return handler;
  }

  it.each([
    ["result", "StopEvent", StopEvent],
    ["error", "WorkflowFailedEvent", WorkflowFailedEvent],
    ["timeout", "WorkflowTimedOutEvent", WorkflowTimedOutEvent],
    ["cancel", "WorkflowCancelledEvent", WorkflowCancelledEvent],
  ] as const)("on %s, with exactly one terminal %s", async (how, _name, Terminal) => {
    const handler = ending(how);
    const consumers = [handler.streamEvents(), handler.streamEvents()].map(async (s) => {
      const events: Event[] = [];
      for await (const ev of s) events.push(ev);
      return events;
    });
    const rx = new Promise<Event[]>((resolve) => {
      const events: Event[] = [];
      handler.events$.subscribe({
        next: (ev) => events.push(ev),
        complete: () => resolve(events),
      });
    });
    await handler.then(
      () => {},
      () => {},
    );
    for (const events of await Promise.all([...consumers, rx])) {
      expect(events.map(label)).toEqual([1, Terminal.name]);
      expect(events[1]).toBeInstanceOf(Terminal);
      expect(events.filter((e) => e instanceof StopEvent)).toHaveLength(1);
    }
    // A consumer arriving after the end still completes.
    const after = await drain(handler.streamEvents());
    expect(after).toEqual([Terminal.name]);
  });
});
