import {
  StartEvent,
  StepTimeoutError,
  StopEvent,
  Workflow,
  WorkflowCancelledError,
  WorkflowTimeoutError,
  step,
} from "@eventloom/core";

// #region signal
/** Waits `ms`, or rejects as soon as `signal` aborts: what a well-behaved step does. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

class SlowWorkflow extends Workflow {
  work = step({ accepts: [StartEvent], emits: [StopEvent] }, async (ev, ctx) => {
    await sleep(Number(ev["ms"]), ctx.signal); // pass ctx.signal on to fetch, SDKs, timers
    return new StopEvent({ result: "done" });
  });
}
// #endregion signal

// #region run-timeout
// The whole run: 45 s by default; `null` turns it off.
const quick = new SlowWorkflow({ timeout: 50 });
try {
  await quick.run({ ms: 10_000 });
} catch (error) {
  if (error instanceof WorkflowTimeoutError) console.log("run timed out"); // run timed out
}
console.log(await quick.run({ ms: 1_000 }, { timeout: 5_000 })); // done (per-run override)
// #endregion run-timeout

// #region step-timeout
class TimedStep extends Workflow {
  work = step(
    { accepts: [StartEvent], emits: [StopEvent], timeout: 50 }, // ms per attempt
    async (_ev, ctx) => {
      await sleep(10_000, ctx.signal);
      return new StopEvent({ result: "never" });
    },
  );
}
try {
  await new TimedStep().run();
} catch (error) {
  if (error instanceof StepTimeoutError) console.log("step timed out"); // step timed out
}
// #endregion step-timeout

// #region cancel
// With an AbortSignal...
const controller = new AbortController();
const running = new SlowWorkflow().run({ ms: 10_000 }, { signal: controller.signal });
controller.abort();
await running.catch((error: unknown) => {
  if (error instanceof WorkflowCancelledError) console.log("cancelled by signal");
});

// ...or with the handler.
const handler = new SlowWorkflow().run({ ms: 10_000 });
await handler.cancel(); // resolves once the run has settled
console.log(handler.status); // cancelled
// #endregion cancel
