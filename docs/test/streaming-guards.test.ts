/**
 * The streaming guide's guards: a consumer whose `next` throws is reported by RxJS as an
 * unhandled error; it never affects the run or the other consumers.
 */
import { format } from "node:util";
import { config, toArray, firstValueFrom } from "rxjs";
import { z } from "zod";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

afterEach(() => {
  vi.restoreAllMocks();
  config.onUnhandledError = null;
});

class Tick extends Event.define({ n: z.number() }) {
  static override typeName = "Tick";
}

class Ticker extends Workflow {
  tick = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    for (let n = 1; n <= 50; n++) {
      ctx.writeEventToStream(new Tick({ n }));
      if (n % 10 === 0) await Promise.resolve(); // some ticks after the consumers attached
    }
    return new StopEvent({ result: "ticked 50 times" });
  });
}

/** Resolves once RxJS has reported `count` unhandled errors, with them. */
function unhandledErrors(count: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  return new Promise((resolve) => {
    config.onUnhandledError = (error) => {
      errors.push(error);
      if (errors.length === count) resolve(errors);
    };
  });
}

const ticksOf = (events: readonly Event[]) =>
  events.filter((ev): ev is Tick => ev instanceof Tick).map((ev) => ev.n);

describe("a stream consumer whose next throws", () => {
  it("leaves every other consumer every event, and the run settles with its result", async () => {
    const reported = unhandledErrors(50);
    const handler = new Ticker().run();
    handler.events$.subscribe((ev) => {
      if (ev instanceof Tick) throw new Error(`consumer broke on tick ${ev.n}`);
    });
    const viaRx = firstValueFrom(handler.events$.pipe(toArray()));
    const viaIterator = (async () => {
      const out: Event[] = [];
      for await (const ev of handler.streamEvents()) out.push(ev);
      return out;
    })();

    await expect(handler).resolves.toBe("ticked 50 times");
    const expected = Array.from({ length: 50 }, (_, i) => i + 1);
    const [rx, iterated] = await Promise.all([viaRx, viaIterator]);
    expect(ticksOf(rx)).toEqual(expected);
    expect(ticksOf(iterated)).toEqual(expected);
    expect(rx.at(-1)).toBeInstanceOf(StopEvent);
    expect(iterated.at(-1)).toBeInstanceOf(StopEvent);
    expect(handler.status).toBe("completed");
    // RxJS reported each throw as an unhandled error, in order, and nothing else.
    const errors = await reported;
    expect(errors.map((e) => (e as Error).message)).toEqual(
      expected.map((n) => `consumer broke on tick ${n}`),
    );
  });

  it("lets the next run of the same workflow stream normally", async () => {
    const reported = unhandledErrors(50);
    const wf = new Ticker();
    const first = wf.run();
    first.events$.subscribe((ev) => {
      if (ev instanceof Tick) throw new Error("broken consumer");
    });
    await first;
    await reported;
    const second = wf.run();
    const events = await firstValueFrom(second.events$.pipe(toArray()));
    expect(ticksOf(events)).toHaveLength(50);
    expect(await second).toBe("ticked 50 times");
  });
});

describe("the streaming guide's guard sample", () => {
  it("catchError stops one consumer, onUnhandledError reports the throwing one, both runs finish", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(format(...args));
    });
    await import(
      /* @vite-ignore */ new URL("../examples/streaming-guards.ts", import.meta.url).href
    );
    await vi.waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(6), { timeout: 10_000 });
    expect(lines).toEqual([
      "chart stopped: the chart broke on tick 2",
      "[ 1, 2, 3 ] ticked 3 times",
      expect.stringMatching(/^(ticked 3 times|a stream consumer failed: cannot show tick \d)$/),
      expect.stringMatching(/^(ticked 3 times|a stream consumer failed: cannot show tick \d)$/),
      expect.stringMatching(/^(ticked 3 times|a stream consumer failed: cannot show tick \d)$/),
      expect.stringMatching(/^(ticked 3 times|a stream consumer failed: cannot show tick \d)$/),
    ]);
    expect(lines.filter((l) => l.startsWith("a stream consumer failed"))).toEqual([
      "a stream consumer failed: cannot show tick 1",
      "a stream consumer failed: cannot show tick 2",
      "a stream consumer failed: cannot show tick 3",
    ]);
  });
});
