export { natsWorker, type NatsWorker, type NatsWorkerOptions } from "./nats-worker.js";
export {
  natsClient,
  type NatsClient,
  type NatsClientOptions,
  type NatsRunOptions,
} from "./nats-client.js";
export { connectNats } from "./connect-nats.js";
export { NatsError, type NatsErrorCode } from "./nats-errors.js";
// The same class as @eventloom/client's: `instanceof RemoteRunError` holds for either transport.
export { RemoteRunError } from "@eventloom/client";
export { natsNames, DEFAULT_PREFIX, type NatsNames } from "./nats-names.js";
export type { StreamLimits } from "./internal/broker.js";
export { removeNatsStreams } from "./remove-nats-streams.js";
