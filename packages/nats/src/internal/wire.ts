// What travels on the broker: JSON bodies and the header names the worker and client share.
import type { JournalRunStatus } from "@eventloom/core";

/** A run request on `<prefix>.runs.<workflow>`. */
export interface RunRequest {
  readonly runId: string;
  readonly workflow: string;
  readonly input: Record<string, unknown>;
}

/**
 * A run's state: "running" on `<prefix>.state.<runId>` when its client queues it, the end state
 * on its terminal stream event (header Eventloom-State) and in the reply to its client.
 */
export interface RunStateRecord {
  readonly runId: string;
  readonly workflow: string;
  readonly status: JournalRunStatus;
  readonly result?: unknown;
  readonly error?: { readonly code: string; readonly message: string };
}

/** An event sent into a run on `<prefix>.in.<runId>`. */
export interface EventRequest {
  readonly type: string;
  readonly data?: Record<string, unknown>;
  readonly step?: string;
}

/** A worker's answer to an event or a cancel request. */
export type Reply =
  { readonly ok: true } | { readonly error: { readonly code: string; readonly message: string } };

/** The event's position in the run's stream (0-based), on every `<prefix>.out.<runId>` message. */
export const SEQ_HEADER = "Eventloom-Seq";
/** Set ("1") on the run's terminal stream event. */
export const TERMINAL_HEADER = "Eventloom-Terminal";
/**
 * On the terminal stream event: the run's end state (a RunStateRecord as JSON). The terminal
 * event is the one message the worker has stored before it acks the request, so it is where a
 * reader finds the end state when the state stream does not have it yet.
 */
export const STATE_HEADER = "Eventloom-State";
/** On a run request: the subject of the client's replies (`<prefix>.reply.<clientId>`). */
export const REPLY_HEADER = "Eventloom-Reply-To";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decode(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data)) as unknown;
}

export function errorJSON(error: unknown): { code: string; message: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      code: typeof code === "string" ? code : error.name || "Error",
      message: error.message,
    };
  }
  return { code: "ERROR", message: String(error) };
}
