import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  Event,
  HumanResponseEvent,
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowValidationError,
  step,
} from "@eventloom/core";
import { bridge } from "@eventloom/services";
import { deferred } from "./fixtures/control.js";

// A HumanResponseEvent subclass: validation lets a step accept it with no producer in its own
// workflow, which is what an event that comes from another run needs.
class Quote extends HumanResponseEvent.define({ price: z.number() }) {}
class Audited extends Event.define({ price: z.number() }) {}
class Never extends Event.define({}, { name: "Never" }) {}

/** Prices arrive on its bus (a step returns them, another consumes them): nothing is streamed. */
class Pricer extends Workflow {
  start = step({ accepts: [StartEvent], emits: [Quote] }, (_ev, ctx) => {
    ctx.sendEvent(new Quote({ price: 1 }));
    return new Quote({ price: 2 });
  });
  sum = step({ accepts: [Quote], emits: [StopEvent] }, (ev, ctx) => {
    const both = ctx.collectEvents(ev, Quote, { count: 2 });
    return both === null ? null : new StopEvent({ result: both.reduce((a, q) => a + q.price, 0) });
  });
}

/** Receives `count` quotes from outside, and stops with their prices. */
class Auditor extends Workflow {
  constructor(private readonly count: number) {
    super({ timeout: 10_000 });
  }
  start = step({ accepts: [StartEvent], emits: [] }, () => undefined);
  audit = step({ accepts: [Quote], emits: [StopEvent] }, (ev, ctx) => {
    const quotes = ctx.collectEvents(ev, Quote, { count: this.count });
    return quotes === null ? null : new StopEvent({ result: quotes.map((q) => q.price) });
  });
}

/** Waits until the test lets it go (or forever). */
class Idle extends Workflow {
  readonly release = deferred();
  start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    await Promise.race([this.release.promise, ctx.waitForEvent(Never)]);
    return new StopEvent({ result: "released" });
  });
}

describe("bridge", () => {
  it("delivers events that the source's steps return or send on their bus, not only streamed ones", async () => {
    const pricer = new Pricer().run();
    const auditor = new Auditor(2).run();
    const b = bridge(pricer, auditor, [Quote]);
    expect(await pricer).toBe(3);
    expect(((await auditor) as number[]).sort()).toEqual([1, 2]);
    expect(b.delivered).toBe(2);
  });

  it("lets a step of the target accept bridged events whose class extends HumanResponseEvent (validation needs no producer for them)", async () => {
    class Reply extends HumanResponseEvent.define({ text: z.string() }) {}
    class Asker extends Workflow {
      ask = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        ctx.writeEventToStream(new Reply({ text: "hello" }));
        return new StopEvent({ result: "asked" });
      });
    }
    class Listener extends Workflow {
      start = step({ accepts: [StartEvent], emits: [] }, () => undefined);
      reply = step(
        { accepts: [Reply], emits: [StopEvent] },
        (ev) => new StopEvent({ result: ev.text }),
      );
    }
    const listener = new Listener({ timeout: 10_000 }).run();
    const asker = new Asker().run();
    bridge(asker, listener, [Reply]);
    expect(await asker).toBe("asked");
    expect(await listener).toBe("hello");
  });

  it("delivers only the listed classes, matched exactly", async () => {
    class SpecialQuote extends Quote {}
    class Mixed extends Workflow {
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
        ctx.writeEventToStream(new SpecialQuote({ price: 9 }));
        ctx.writeEventToStream(new Audited({ price: 8 }));
        ctx.writeEventToStream(new Quote({ price: 7 }));
        return new StopEvent({ result: null });
      });
    }
    const auditor = new Auditor(1).run();
    bridge(new Mixed().run(), auditor, [Quote]);
    expect(await auditor).toEqual([7]);
  });

  it("delivers an event once even when it is both emitted and streamed", async () => {
    class Note extends Event.define({ n: z.number() }) {}
    class Both extends Workflow {
      start = step({ accepts: [StartEvent], emits: [Note] }, (_ev, ctx) => {
        const note = new Note({ n: 1 });
        ctx.writeEventToStream(note);
        return note;
      });
      end = step({ accepts: [Note], emits: [StopEvent] }, () => new StopEvent({ result: "ok" }));
    }
    const idle = new Idle({ timeout: 10_000 });
    const target = idle.run();
    const received: Event[] = [];
    const source = new Both().run();
    const b = bridge(source, target, [Note]);
    target.unhandled$.subscribe(({ event }) => received.push(event));
    await source;
    expect(b.closed).toBe(true);
    expect(b.delivered).toBe(1);
    expect(received).toHaveLength(1);
    idle.release.resolve();
    await target;
  });

  it("stops when either run ends", async () => {
    const idle = new Idle({ timeout: 10_000 });
    const source = idle.run();
    const target = new Idle({ timeout: 10_000 });
    const targetRun = target.run();
    const toTarget = bridge(source, targetRun, [Quote]);
    const toSource = bridge(targetRun, source, [Quote]);
    expect([toTarget.closed, toSource.closed]).toEqual([false, false]);

    target.release.resolve();
    await targetRun;
    expect([toTarget.closed, toSource.closed]).toEqual([true, true]);
    idle.release.resolve();
    expect(await source).toBe("released");
  });

  it("stops early on unsubscribe(): later events stay in the source", async () => {
    class TwoQuotes extends Workflow {
      readonly go = deferred();
      start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
        ctx.writeEventToStream(new Quote({ price: 1 }));
        await this.go.promise;
        ctx.writeEventToStream(new Quote({ price: 2 }));
        return new StopEvent({ result: "sent" });
      });
    }
    const quotes = new TwoQuotes();
    const source = quotes.run();
    const auditor = new Auditor(2).run();
    const b = bridge(source, auditor, [Quote]);
    const stream = source.streamEvents(); // our own consumer, attached in the same tick
    expect((await stream.next()).value).toMatchObject({ price: 1 });
    b.unsubscribe();
    quotes.go.resolve();
    expect(await source).toBe("sent");
    expect(b.delivered).toBe(1);
    expect(b.closed).toBe(true);
    expect(auditor.isDone()).toBe(false);
    await auditor.cancel();
  });

  it("rejects what is not two different runs and a list of event classes", () => {
    const a = new Idle({ timeout: 10_000 }).run();
    const b = new Idle({ timeout: 10_000 }).run();
    expect(() => bridge(a, a, [Quote])).toThrow("from and to are the same run");
    expect(() => bridge(a, b, [])).toThrow("types must be a non-empty list of event classes");
    expect(() => bridge(a, b, [String as never])).toThrow(WorkflowValidationError);
    expect(() => bridge({} as never, b, [Quote])).toThrow(
      "from must be a running workflow's handler",
    );
    void a.cancel();
    void b.cancel();
  });
});
