import { DiagLogLevel, diag } from "@opentelemetry/api";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, memoryJournal, step } from "../src/index.js";

class Tick extends Event.define({ n: z.number() }, { name: "Tick" }) {}

class Chatty extends Workflow {
  talk = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev, ctx) => {
    const count = Number(ev["count"]);
    for (let n = 0; n < count; n++) ctx.writeEventToStream(new Tick({ n }));
    return new StopEvent({ result: count });
  });
}

async function collect(stream: AsyncIterable<Event>): Promise<Event[]> {
  const out: Event[] = [];
  for await (const ev of stream) out.push(ev);
  return out;
}

afterEach(() => diag.disable());

describe("streamLimit", () => {
  it("keeps the newest events for a consumer not yet attached, counts the dropped ones, warns once", async () => {
    const warn = vi.fn();
    diag.setLogger(
      { warn, error: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
    const lines: string[] = [];
    const h = new Chatty({ streamLimit: 5, verbose: true, logger: (l) => lines.push(l) }).run({
      count: 20,
    });
    await expect(h).resolves.toBe(20);
    const events = await collect(h.streamEvents());
    expect(events.slice(0, -1).map((e) => (e as Tick).n)).toEqual([15, 16, 17, 18, 19]);
    expect(events.at(-1)).toBeInstanceOf(StopEvent);
    expect(h.streamDropped).toBe(15);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/at most 5 events .*streamLimit/);
    expect(lines.filter((l) => l.includes("streamLimit"))).toHaveLength(1);
  });

  it("drops nothing for a consumer attached from the start", async () => {
    const h = new Chatty({ streamLimit: 5 }).run({ count: 50 });
    const events = await collect(h.streamEvents());
    await h;
    expect(events).toHaveLength(51);
    expect(h.streamDropped).toBe(0);
  });

  it("defaults to 100 000 kept events", async () => {
    const h = new Chatty().run({ count: 100_010 });
    await h;
    expect(h.streamDropped).toBe(10);
    const events = await collect(h.streamEvents());
    expect((events[0] as Tick).n).toBe(10);
  });

  it("a durable run keeps its whole stream in the journal: streamEvents({ from: 0 }) replays it", async () => {
    const h = new Chatty({ streamLimit: 3, journal: memoryJournal() }).run({ count: 10 });
    await h;
    expect(h.streamDropped).toBe(7);
    const replay = await collect(h.streamEvents({ from: 0 }));
    expect(replay.slice(0, -1).map((e) => (e as Tick).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("another instance (a fresh process) replays stream-only events with their type and data", async () => {
    const journal = memoryJournal();
    const h = new Chatty({ journal }).run({ count: 3 });
    await h;
    const again = new Chatty({ journal }).resume(h.runId);
    const replay = await collect(again.streamEvents({ from: 0 }));
    expect(replay.map((e) => e.toJSON())).toEqual([
      { type: "Tick", data: { n: 0 } },
      { type: "Tick", data: { n: 1 } },
      { type: "Tick", data: { n: 2 } },
      { type: "StopEvent", data: { result: 3 } },
    ]);
  });
});
