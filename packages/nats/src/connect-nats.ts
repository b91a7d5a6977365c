// connect() from @nats-io/transport-node, with errors that name the server and say what to do.
import { type NatsConnection, type NodeConnectionOptions, connect } from "@nats-io/transport-node";
import { NatsError } from "./nats-errors.js";

/**
 * Connects to NATS (default `127.0.0.1:4222`) and checks that the server has JetStream. A
 * server that cannot be reached, or has no JetStream, is a NatsError "UNAVAILABLE" naming
 * host:port. Any `connect()` option works (credentials, TLS, `reconnect`, …).
 *
 * @example
 * const nc = await connectNats({ servers: process.env.NATS_URL ?? "127.0.0.1:4222" });
 */
export async function connectNats(options: NodeConnectionOptions = {}): Promise<NatsConnection> {
  const servers = options.servers ?? "127.0.0.1:4222";
  const where = Array.isArray(servers) ? servers.join(", ") : servers;
  let nc: NatsConnection;
  try {
    nc = await connect({ timeout: 5_000, ...options, servers });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const why = [error instanceof Error ? error.message : String(error), cause?.code]
      .filter((x) => typeof x === "string" && x !== "")
      .join(", ");
    throw new NatsError(
      "UNAVAILABLE",
      `Cannot connect to NATS at ${where} (${why}): start nats-server there with JetStream (nats-server -js), or pass servers: "host:port"`,
      { cause: error },
    );
  }
  if (nc.info?.jetstream !== true) {
    const server = nc.getServer();
    await nc.close().catch(() => undefined);
    throw new NatsError(
      "UNAVAILABLE",
      `NATS at ${server} has no JetStream: start nats-server with -js (and a store directory, -sd), or enable jetstream in its config`,
    );
  }
  return nc;
}
