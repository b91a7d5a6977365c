// The "Serve over HTTP" page's sample: a workflow served over HTTP, driven with plain fetch (what
// curl sends) and with the typed client, on a server listening on a free loopback port.
import { Event, InputRequiredEvent, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { WorkflowClient, WorkflowClientError } from "@eventloom/client";
import { createServer } from "@eventloom/server";
import { z } from "zod";

// #region workflow
class ExpenseClaim extends StartEvent.define({
  employee: z.string(),
  amount: z.number().positive(),
}) {
  static override typeName = "ExpenseClaim";
}
class ReviewRequested extends InputRequiredEvent.define({ question: z.string() }) {
  static override typeName = "ReviewRequested";
}
class Review extends Event.define({ approved: z.boolean(), reviewer: z.string() }) {
  static override typeName = "Review";
}

class ExpenseWorkflow extends Workflow {
  // Reaches runs only from outside: the server accepts it, and lists it in GET /workflows.
  static override externalEvents = [Review];

  review = step(
    { accepts: [ExpenseClaim], emits: [ReviewRequested, StopEvent] },
    async (ev, ctx) => {
      if (ev.amount <= 50) return new StopEvent({ result: "auto-approved" });
      const review = await ctx.waitForEvent(Review, {
        waiterEvent: new ReviewRequested({
          question: `${ev.employee} claims ${ev.amount}: approve?`,
        }),
      });
      return new StopEvent({
        result: review.approved ? `approved by ${review.reviewer}` : "rejected",
      });
    },
  );
}
// #endregion workflow

// #region server
const server = createServer({
  workflows: { expenses: new ExpenseWorkflow({ timeout: null }) },
  token: "s3cret",
});
const { url, close } = await server.listen({ port: 0, hostname: "127.0.0.1" });
// #endregion server

// #region fetch
const headers = { "content-type": "application/json", authorization: "Bearer s3cret" };
const small = await fetch(`${url}/workflows/expenses/runs?wait=true`, {
  method: "POST",
  headers,
  body: JSON.stringify({ input: { employee: "ada", amount: 20 } }),
});
console.log(small.status, (await small.json()).result); // 200 auto-approved

const refused = await fetch(`${url}/workflows/expenses/runs`, {
  method: "POST",
  headers,
  body: JSON.stringify({ input: { employee: "ada", amount: -5 } }),
});
const { error } = await refused.json();
console.log(refused.status, error.code, error.issues[0].path); // 400 INVALID_INPUT [ 'amount' ]
// #endregion fetch

// #region client
const client = new WorkflowClient({ baseUrl: url, token: "s3cret" });
const run = await client
  .workflow<ExpenseWorkflow>("expenses")
  .run({ employee: "grace", amount: 480 });
for await (const ev of run.streamEvents()) {
  console.log(ev.seq, ev.type);
  if (ev.type === "ReviewRequested") {
    await run.sendEvent({ type: "Review", data: { approved: true, reviewer: "linus" } });
  }
}
console.log(await run.result()); // approved by linus

try {
  await run.sendEvent({ type: "Review", data: { approved: false, reviewer: "late" } });
} catch (e) {
  if (e instanceof WorkflowClientError) console.log(e.status, e.code); // 409 RUN_ENDED
}
// #endregion client

await close();
