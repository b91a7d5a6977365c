// Setting up a journal on PostgreSQL in one process of a fleet: recover at start-up, and on a
// timer, so that a peer's death is noticed without a restart.
//
//   DATABASE_URL=postgres://app@127.0.0.1:5432/app node --import tsx docs/examples/postgres-setup.ts
import { StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";

class OrderWorkflow extends Workflow {
  ship = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: `shipped ${String(ev["orderId"])}` });
  });
}

// #region setup
const journal = postgresJournal(
  { connectionString: process.env["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test" },
  { schema: process.env["EVENTLOOM_SCHEMA"] ?? "eventloom" },
);
const orders = new OrderWorkflow({ journal });
await orders.recover(); // take over what a dead process left unfinished
// #endregion setup

// #region timer
const timer = setInterval(() => void orders.recover().catch(console.error), 10_000);
const stop = () => clearInterval(timer);
process.once("SIGTERM", stop);
// #endregion timer

console.log(await orders.run({ orderId: "o-2" })); // shipped o-2
stop();
process.off("SIGTERM", stop);
await journal.close();
