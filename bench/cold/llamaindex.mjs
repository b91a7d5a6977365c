// @llamaindex/workflow-core's cold start: a fresh Node process imports it, defines a 3-step chain
// as its README writes workflows and runs it once, then prints what it measured on its own clock
// (ms since the process started) as one JSON line.
const start = performance.now();
const { createWorkflow, workflowEvent } = await import("@llamaindex/workflow-core");
const loaded = performance.now();

const events = [0, 1, 2, 3].map((k) => workflowEvent({ debugLabel: `chain${k}` }));
const wf = createWorkflow();
for (let k = 0; k < 3; k++) {
  const next = events[k + 1];
  wf.handle([events[k]], async (_ctx, ev) => next.with({ i: ev.data.i + 1 }));
}

const { stream, sendEvent } = wf.createContext();
sendEvent(events[0].with({ i: 0 }));
const all = await stream.until(events[3]).toArray();
const result = all.at(-1).data.i;
const done = performance.now();
process.stdout.write(
  `${JSON.stringify({ result, importMs: loaded - start, runMs: done - loaded })}\n`,
);
