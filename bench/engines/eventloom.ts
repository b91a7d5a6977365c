/** The scenarios written as an Eventloom user would write them: typed events, field steps. */
import {
  Event,
  type EventClass,
  StartEvent,
  StopEvent,
  Workflow,
  type WorkflowHandler,
  step,
} from "@eventloom/core";
import type { Tracer } from "@opentelemetry/api";
import { z } from "zod";
import { type Engine, Probe, sleep } from "../scenarios.js";

class Begin extends StartEvent.define({ i: z.number() }) {
  static override typeName = "Begin";
}
class Loop extends Event.define({ i: z.number() }) {
  static override typeName = "Loop";
}
class Work extends Event.define({ i: z.number() }) {
  static override typeName = "Work";
}
class Result extends Event.define({ i: z.number() }) {
  static override typeName = "Result";
}
class Progress extends Event.define({ i: z.number() }) {
  static override typeName = "Progress";
}
class Response extends Event.define({ i: z.number() }) {
  static override typeName = "Response";
}

type NumberEvent = Event & { readonly i: number };
type NumberEventClass = EventClass<NumberEvent> & (new (data: { i: number }) => NumberEvent);

/** A workflow class whose steps form a chain Begin -> Chain1 -> ... -> StopEvent. */
function chainWorkflow(steps: number): new (options?: { tracer?: Tracer }) => Workflow {
  const classes: NumberEventClass[] = [Begin as unknown as NumberEventClass];
  for (let k = 1; k < steps; k++) {
    classes.push(Event.define({ i: z.number() }, { name: `Chain${k}` }) as NumberEventClass);
  }
  class Chain extends Workflow {}
  for (let k = 0; k < steps; k++) {
    const next = classes[k + 1];
    Chain.addStep(
      next === undefined
        ? step(
            { name: `step${k}`, accepts: [classes[k]!], emits: [StopEvent] },
            async (ev: NumberEvent) => new StopEvent({ result: ev.i + 1 }),
          )
        : step(
            { name: `step${k}`, accepts: [classes[k]!], emits: [next] },
            async (ev: NumberEvent) => new next({ i: ev.i + 1 }),
          ),
    );
  }
  return Chain;
}

const chains = new Map<number, new (options?: { tracer?: Tracer }) => Workflow>();
function chainOf(steps: number): new (options?: { tracer?: Tracer }) => Workflow {
  let cls = chains.get(steps);
  if (cls === undefined) chains.set(steps, (cls = chainWorkflow(steps)));
  return cls;
}

/**
 * One workflow instance per shape, made at its first use and run again after, as an
 * application defines its workflows once: building and validating a workflow's plan (at its
 * first run) is not part of the per-event figures, the warm-up runs pay it.
 */
const instances = new Map<string, Workflow>();
function once(key: string, make: () => Workflow): Workflow {
  let wf = instances.get(key);
  if (wf === undefined) instances.set(key, (wf = make()));
  return wf;
}

function loopWorkflow(n: number): Workflow {
  return once(`loop ${n}`, () => {
    class LoopWorkflow extends Workflow {
      spin = step({ accepts: [Begin, Loop], emits: [Loop, StopEvent] }, async (ev) =>
        ev.i + 1 < n ? new Loop({ i: ev.i + 1 }) : new StopEvent({ result: n }),
      );
    }
    return new LoopWorkflow();
  });
}

/** The probe of the fan-out being run (one at a time): the workflow instance outlives a call. */
let fanoutProbe = new Probe();

export const eventloom: Engine = {
  name: "eventloom",

  async chain(runs, steps) {
    const wf = once(`chain ${steps}`, () => new (chainOf(steps))());
    let sum = 0;
    for (let r = 0; r < runs; r++) sum += (await wf.run({ i: 0 })) as number;
    return sum;
  },

  async loop(n) {
    return (await loopWorkflow(n).run({ i: 0 })) as number;
  },

  async fanout(n, workers, ioMs, probe) {
    fanoutProbe = probe;
    const wf = once(`fanout ${n} ${workers} ${ioMs}`, () => {
      class FanOut extends Workflow {
        start = step({ accepts: [Begin], emits: [Work] }, async (_ev, ctx) => {
          for (let i = 0; i < n; i++) ctx.sendEvent(new Work({ i }));
        });
        work = step({ accepts: [Work], emits: [Result], numWorkers: workers }, async (ev) => {
          fanoutProbe.enter();
          if (ioMs > 0) await sleep(ioMs);
          fanoutProbe.exit();
          return new Result({ i: ev.i });
        });
        collect = step({ accepts: [Result], emits: [StopEvent] }, async (ev, ctx) => {
          const all = ctx.collectEvents(ev, Result, { count: n });
          return all === null ? null : new StopEvent({ result: all.length });
        });
      }
      return new FanOut();
    });
    return (await wf.run({ i: 0 })) as number;
  },

  async concurrentRuns(runs, steps, afterStart) {
    const wf = once(`chain ${steps}`, () => new (chainOf(steps))());
    const all: WorkflowHandler[] = [];
    for (let r = 0; r < runs; r++) all.push(wf.run({ i: 0 }));
    afterStart();
    return ((await Promise.all(all)) as number[]).reduce((a, b) => a + b, 0);
  },

  async stream(n) {
    const wf = once(`stream ${n}`, () => {
      class Streaming extends Workflow {
        produce = step({ accepts: [Begin], emits: [StopEvent] }, async (_ev, ctx) => {
          for (let i = 0; i < n; i++) ctx.writeEventToStream(new Progress({ i }));
          return new StopEvent({ result: n });
        });
      }
      return new Streaming();
    });
    const handler = wf.run({ i: 0 });
    let count = 0;
    for await (const ev of handler.streamEvents()) if (ev instanceof Progress) count++;
    await handler;
    return count;
  },

  async tracedChain(runs, steps, tracer) {
    const wf = new (chainOf(steps))({ tracer });
    let sum = 0;
    for (let r = 0; r < runs; r++) sum += (await wf.run({ i: 0 })) as number;
    return sum;
  },

  async idle(runs, probe, measure) {
    class Waiting extends Workflow {
      wait = step({ accepts: [Begin], emits: [StopEvent] }, async (_ev, ctx) => {
        probe.waiting++;
        const response = await ctx.waitForEvent(Response);
        return new StopEvent({ result: response.i });
      });
    }
    const wf = new Waiting();
    const all: WorkflowHandler[] = [];
    for (let r = 0; r < runs; r++) all.push(wf.run({ i: 0 }));
    while (probe.waiting < runs) await new Promise((r) => setImmediate(r));
    measure();
    await Promise.all(all.map((h) => h.cancel()));
    return all.filter((h) => h.status === "cancelled").length;
  },
};
