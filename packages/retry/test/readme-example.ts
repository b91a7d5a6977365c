import { StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { anyOf, constantDelay, exponentialBackoff, hasHttpStatus, retryIf } from "@eventloom/retry";
import { z } from "zod";

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

// A quote API that is unavailable on the first call, then answers.
let calls = 0;
async function fetchQuote(symbol: string): Promise<number> {
  calls++;
  if (calls === 1) throw new HttpError(503);
  return symbol === "ACME" ? 187.5 : 0;
}

class QuoteStart extends StartEvent.define({ symbol: z.string() }) {}

class QuoteWorkflow extends Workflow {
  quote = step(
    {
      accepts: [QuoteStart],
      emits: [StopEvent],
      // Rate limited: wait a fixed 2 s. Server trouble: back off. Anything else: fail now.
      retry: anyOf(
        retryIf(hasHttpStatus(429), constantDelay({ delayMs: 2_000, maxAttempts: 4 })),
        retryIf(
          hasHttpStatus(502, 503, 504),
          exponentialBackoff({ initialMs: 200, maxAttempts: 5, maxElapsedMs: 10_000 }),
        ),
      ),
    },
    async (ev, ctx) => {
      const price = await fetchQuote(ev.symbol);
      return new StopEvent({ result: `${ev.symbol} ${price} (attempt ${ctx.retry.attempt})` });
    },
  );
}

console.log(await new QuoteWorkflow().run({ symbol: "ACME" })); // "ACME 187.5 (attempt 2)"
