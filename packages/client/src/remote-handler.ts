// The surface of a run that lives elsewhere: the HTTP client and the NATS client both hand these out,
// so application code does not care which transport it speaks.
import type { EventJSON, JournalRunStatus } from "@eventloom/core";
import type { Observable } from "rxjs";

/** One event of a remote run's stream, with its position in that stream (0-based). */
export interface RemoteEvent extends EventJSON {
  /** The event's position in the run's stream; pass `from: seq + 1` to continue after it. */
  readonly seq: number;
}

/** Where a remote run stands, as its host reports it. */
export interface RemoteRunState<Result = unknown> {
  readonly runId: string;
  /** The workflow's name at its host (the key it is served under). */
  readonly workflow: string;
  readonly status: JournalRunStatus;
  /** Set when `status` is "completed". */
  readonly result?: Result;
  /** Set when the run failed, timed out or was cancelled. */
  readonly error?: { readonly code: string; readonly message: string };
  /** The OpenTelemetry trace id of the run's span, when the run is traced. */
  readonly traceId?: string;
}

/** An event sent into a remote run: its type name and its data, validated by the host. */
export interface RemoteEventInput {
  readonly type: string;
  readonly data?: Record<string, unknown>;
  /** Deliver to this step only (as `handler.sendEvent(event, step)` does locally). */
  readonly step?: string;
}

/** A run that lives in another process: started over HTTP, NATS, or found by its id. */
export interface RemoteHandler<Result = unknown> {
  readonly runId: string;
  /** Resolves with the run's result once it completes; rejects with a `RemoteRunError` otherwise. */
  result(): Promise<Result>;
  /** The run's state now. */
  status(): Promise<RemoteRunState<Result>>;
  /**
   * The run's stream, ending with the terminal event (`StopEvent` or a `Workflow*Event`).
   * `from` (default 0) is the first `seq` wanted; a dropped connection resumes where it stopped.
   */
  streamEvents(options?: { readonly from?: number }): AsyncIterable<RemoteEvent>;
  /** The same stream as an Observable, from the start; completes after the terminal event. */
  readonly events$: Observable<RemoteEvent>;
  /** Sends an event into the run; resolves once the host has accepted (journaled) it. */
  sendEvent(event: RemoteEventInput): Promise<void>;
  /** Asks the host to cancel the run; resolves once the request is accepted. */
  cancel(): Promise<void>;
}
