import { StartEvent, StopEvent, Workflow, WorkflowFailedEvent, step } from "@eventloom/core";
import { constantDelay, exponentialBackoff, hasHttpStatus, retryIf } from "@eventloom/retry";

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

// #region retry
// A flaky API: fails twice with 503, then answers.
let calls = 0;
async function callApi(): Promise<string> {
  calls++;
  if (calls <= 2) throw new HttpError(503);
  return "42";
}

class FlakyWorkflow extends Workflow {
  ask = step(
    {
      accepts: [StartEvent],
      emits: [StopEvent],
      // Retry server errors with exponential backoff: 3 executions at most.
      retry: retryIf(
        hasHttpStatus(502, 503, 504),
        exponentialBackoff({ initialMs: 10, jitter: "none", maxAttempts: 3 }),
      ),
    },
    async (_ev, ctx) => {
      const answer = await callApi();
      return new StopEvent({ result: `${answer} on attempt ${ctx.retry.attempt}` });
    },
  );
}

console.log(await new FlakyWorkflow().run()); // 42 on attempt 3
// #endregion retry

// #region give-up
class BrokenWorkflow extends Workflow {
  ask = step(
    {
      accepts: [StartEvent],
      emits: [StopEvent],
      retry: constantDelay({ delayMs: 5, maxAttempts: 2 }),
    },
    () => {
      throw new HttpError(500);
    },
  );
}

const handler = new BrokenWorkflow().run();
for await (const ev of handler.streamEvents()) {
  if (ev instanceof WorkflowFailedEvent)
    console.log(`${ev.step} failed after ${ev.attempts} attempts`);
}
try {
  await handler;
} catch (error) {
  // The step's own error, so instanceof works.
  console.log(error instanceof HttpError, (error as HttpError).status); // true 500
}
// #endregion give-up
