// Errors of the NATS transport. A run's own failure (at its worker) reaches the caller as the
// RemoteRunError of @eventloom/client (the same class the HTTP client uses); what goes wrong on
// the way (an unknown workflow, a refused event, an unreachable broker) is a NatsError.

/** What kind of transport failure a {@link NatsError} is; stable, for programmatic handling. */
export type NatsErrorCode =
  /** No worker has ever served a workflow of that name under this prefix. */
  | "UNKNOWN_WORKFLOW"
  /** No run of that id is known under this prefix. */
  | "RUN_NOT_FOUND"
  /** The run has ended: it takes no more events. */
  | "RUN_ENDED"
  /** The run's worker refused the event (a type it does not accept, or data failing its schema). */
  | "EVENT_REJECTED"
  /** The broker cannot be reached, has no JetStream, or did not answer in time. */
  | "UNAVAILABLE"
  /** No worker took the request within the client's `timeoutMs`. */
  | "TIMEOUT";

/**
 * A request over NATS failed before or around the run: the message says what and what to do.
 *
 * @example
 * try { await client.run("Ordr", {}); } catch (e) { if (e instanceof NatsError) e.code; } // "UNKNOWN_WORKFLOW"
 */
export class NatsError extends Error {
  override readonly name = "NatsError";
  readonly code: NatsErrorCode;
  constructor(code: NatsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
