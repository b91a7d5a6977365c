// A worker process for the multi-process tests. Each step's side effect is a row in the test's
// effects table (run, invocationId, step, pid), so the test counts executions across processes.
// Prints "ready" once it pulls runs; SIGTERM drains it (worker.close()) and exits. EL_WORKFLOW
// picks the workflow (OrderWorkflow by default, or FanWorkflow); EL_SPANS, a file, turns tracing on.
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { postgresJournal } from "@eventloom/postgres";
import { natsWorker } from "../../src/index.js";
import { traceToFile } from "./span-file.js";
import { type Effect, FanWorkflow, OrderWorkflow } from "./workflows.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`worker-process needs ${name}`);
  return value;
};
traceToFile(process.env["EL_SPANS"]);
const schema = env("EL_SCHEMA");
const fx = env("EL_FX_SCHEMA");
const pool = new pg.Pool({ connectionString: env("EL_PG"), max: 4 });
const journal = postgresJournal(
  { connectionString: env("EL_PG"), max: 4 },
  { schema, claimMs: Number(env("EL_CLAIM_MS")) },
);
const effect: Effect = async (step, ctx) => {
  await pool.query(
    `INSERT INTO "${fx}".effects (run_id, invocation_id, step, pid) VALUES ($1, $2, $3, $4)`,
    [ctx.runId, ctx.invocationId, step, process.pid],
  );
};
const wf =
  process.env["EL_WORKFLOW"] === "FanWorkflow"
    ? new FanWorkflow({ journal, timeout: 120_000 }, effect)
    : new OrderWorkflow({ journal, timeout: 120_000 }, effect);
const nc = await connect({ servers: env("EL_NATS") });
const worker = await natsWorker(nc, {
  workflows: [wf],
  concurrency: Number(env("EL_CONCURRENCY")),
  prefix: env("EL_PREFIX"),
  ackWaitMs: Number(env("EL_ACK_WAIT_MS")),
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void (async () => {
    await worker.close();
    await nc.drain();
    await journal.close();
    await pool.end();
    process.exit(0);
  })();
});
