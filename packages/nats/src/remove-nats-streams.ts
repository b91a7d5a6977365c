// Deleting everything one prefix keeps on the broker: for tests, and for retiring a deployment.
import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { isNotFound } from "./internal/broker.js";
import { NatsError } from "./nats-errors.js";
import { natsNames } from "./nats-names.js";

/**
 * Deletes the three streams of `prefix` (and so every consumer, queued run request, stream and
 * state kept there). Resolves with the names of the streams it deleted; missing ones are skipped.
 * Stop the prefix's workers first. The journal is untouched.
 *
 * @example
 * const prefix = `test_${randomUUID().slice(0, 8)}`;  // each test run its own
 * // ... natsWorker(nc, { prefix, ... }), natsClient(nc, { prefix }) ...
 * await removeNatsStreams(nc, { prefix });
 */
export async function removeNatsStreams(
  nc: NatsConnection,
  options: { readonly prefix: string },
): Promise<string[]> {
  const names = natsNames(options?.prefix);
  const deleted: string[] = [];
  try {
    const jsm = await jetstreamManager(nc);
    for (const stream of [names.runsStream, names.outStream, names.stateStream]) {
      try {
        await jsm.streams.delete(stream);
        deleted.push(stream);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  } catch (error) {
    throw new NatsError(
      "UNAVAILABLE",
      `NATS at ${nc.getServer()}: deleting the streams of prefix "${names.prefix}" failed (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  return deleted;
}
