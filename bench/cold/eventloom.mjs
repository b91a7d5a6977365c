// Eventloom's cold start: a fresh Node process imports the built @eventloom/core (and zod, which
// every workflow's events need), defines a 3-step chain of typed events and runs it once, then
// prints what it measured on its own clock (ms since the process started) as one JSON line.
// Core's own dependencies are imported first, one at a time, so the import can be split by
// package (core then finds them loaded).
const start = performance.now();
const { z } = await import("zod");
const afterZod = performance.now();
await import("rxjs");
const afterRxjs = performance.now();
await import("@opentelemetry/api");
const afterOtel = performance.now();
const { Event, StartEvent, StopEvent, Workflow, step } = await import("@eventloom/core");
const loaded = performance.now();
const parts = {
  zod: afterZod - start,
  rxjs: afterRxjs - afterZod,
  "@opentelemetry/api": afterOtel - afterRxjs,
  "@eventloom/core": loaded - afterOtel,
};

class Begin extends StartEvent.define({ i: z.number() }) {
  static typeName = "Begin";
}
class Second extends Event.define({ i: z.number() }) {
  static typeName = "Second";
}
class Third extends Event.define({ i: z.number() }) {
  static typeName = "Third";
}
class Chain extends Workflow {
  one = step({ accepts: [Begin], emits: [Second] }, async (ev) => new Second({ i: ev.i + 1 }));
  two = step({ accepts: [Second], emits: [Third] }, async (ev) => new Third({ i: ev.i + 1 }));
  three = step(
    { accepts: [Third], emits: [StopEvent] },
    async (ev) => new StopEvent({ result: ev.i + 1 }),
  );
}

const result = await new Chain().run({ i: 0 });
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({ result, importMs: loaded - start, runMs: done - loaded, parts })}\n`,
);
