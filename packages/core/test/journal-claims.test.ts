import { afterEach, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  Event,
  type Journal,
  StartEvent,
  StopEvent,
  Workflow,
  memoryJournal,
  step,
} from "../src/index.js";

class Go extends Event.define({ ok: z.boolean() }, { name: "Go" }) {}

class Waits extends Workflow {
  static override externalEvents = [Go];
  wait = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    const go = await ctx.waitForEvent(Go);
    return new StopEvent({ result: go.ok });
  });
}

afterEach(() => vi.useRealTimers());

it("claims for the store's claimMs and renews at a third of it", async () => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  const inner = memoryJournal();
  const asked: number[] = [];
  const journal: Journal = {
    ...inner,
    append: (e) => inner.append(e),
    read: (id) => inner.read(id),
    listRuns: (f) => inner.listRuns(f),
    release: (id, o) => inner.release(id, o),
    close: () => inner.close(),
    claim: (id, owner, ms) => {
      asked.push(ms);
      return inner.claim(id, owner, ms);
    },
    claimMs: 900,
  };
  const h = new Waits({ journal }).run();
  await h.whenDurable(); // the run's header is durable: it was claimed first
  expect(asked).toEqual([900]);
  vi.advanceTimersByTime(300);
  expect(asked).toEqual([900, 900]);
  vi.advanceTimersByTime(600);
  expect(asked).toEqual([900, 900, 900, 900]);
  h.sendEvent(new Go({ ok: true }));
  await expect(h).resolves.toBe(true);
  // Settled: the heartbeat is gone.
  vi.advanceTimersByTime(3_000);
  expect(asked).toHaveLength(4);
});
