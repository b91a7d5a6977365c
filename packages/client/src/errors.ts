// What the client throws: a refused or failed request (WorkflowClientError, with the server's
// code), or a run that did not complete (RemoteRunError, with how it ended).

/** A zod issue as the server reports it. */
export interface RemoteIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly code?: string;
}

/**
 * A request the server refused (`status` 4xx/5xx, `code` from its `{ error: { code } }` body)
 * or could not be reached (`status` 0, `code` "NETWORK", the fetch error as `cause`).
 *
 * @example
 * try { await client.run("order", {}); }
 * catch (e) { if (e instanceof WorkflowClientError && e.code === "INVALID_INPUT") console.log(e.issues); }
 */
export class WorkflowClientError extends Error {
  override readonly name = "WorkflowClientError";
  constructor(
    /** The HTTP status, or 0 when there was no response. */
    readonly status: number,
    /** The server's error code ("INVALID_INPUT", "RUN_NOT_FOUND", ...), or "NETWORK". */
    readonly code: string,
    message: string,
    /** The zod issues of input or event data that failed its schema. */
    readonly issues?: readonly RemoteIssue[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A remote run that failed, timed out or was cancelled: `result()` rejects with it. */
export class RemoteRunError extends Error {
  override readonly name = "RemoteRunError";
  constructor(
    readonly runId: string,
    /** How the run ended. */
    readonly status: "failed" | "timed_out" | "cancelled",
    /** The run's error code: a WorkflowError's `code` ("CANCELLED", ...) or the error's name. */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
