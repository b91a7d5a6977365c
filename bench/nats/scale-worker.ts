/**
 * A worker process of the NATS scaling row: a `natsWorker` serving BurnWorkflow (journal:
 * `memoryJournal()`, each run stays on the worker that took it). Env: EL_NATS, EL_PREFIX,
 * EL_ITERATIONS, EL_CONCURRENCY. Prints "ready"; SIGTERM drains it and exits.
 */
import { memoryJournal } from "@eventloom/core";
import { natsWorker } from "@eventloom/nats";
import { connect } from "@nats-io/transport-node";
import { BurnWorkflow } from "./burn.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`scale-worker needs ${name}`);
  return value;
};
const nc = await connect({ servers: env("EL_NATS") });
const worker = await natsWorker(nc, {
  workflows: [new BurnWorkflow({ journal: memoryJournal() }, Number(env("EL_ITERATIONS")))],
  concurrency: Number(env("EL_CONCURRENCY")),
  prefix: env("EL_PREFIX"),
  maxBytes: 256 * 1024 * 1024,
});
process.stdout.write("ready\n");
process.on("SIGTERM", () => {
  void (async () => {
    await worker.close();
    await nc.drain();
    process.exit(0);
  })();
});
