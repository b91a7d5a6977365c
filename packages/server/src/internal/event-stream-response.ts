// A run's recorded stream as SSE (`id: <seq>`, `event: <type>`, `data: <EventJSON>`) or NDJSON,
// from any position; it ends once the run has settled and every event has been sent.
import type { EventJSON } from "@eventloom/core";

/** How a stream response is written. */
export type StreamFormat = "sse" | "ndjson";

const encoder = new TextEncoder();
/** A comment line every so often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

function sseFrame(event: EventJSON, seq: number): string {
  return `id: ${seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** What a stream response reads of a run (a live one, or a finished one the server retains). */
export interface RecordedStream {
  /** Every stream event so far, in order; the index is the SSE `id`. */
  readonly events: readonly EventJSON[];
  /** True once the whole stream is in `events`. */
  readonly done: boolean;
  /** Calls `listener` after new events and once at the end; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/** Open streams, so `server.close()` can end them. */
export type OpenStreams = Set<() => void>;

/** The body of `GET /runs/:id/events` from `from` (0-based) on. */
export function runEventStream(
  record: RecordedStream,
  from: number,
  format: StreamFormat,
  open: OpenStreams,
): ReadableStream<Uint8Array> {
  let index = from;
  let cleanup = (): void => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = (): void => {
        if (closed) return;
        cleanup();
        try {
          controller.close();
        } catch {
          // Already closed by the client going away.
        }
      };
      const pump = (): void => {
        if (closed) return;
        let chunk = "";
        const events = record.events;
        while (index < events.length) {
          const event = events[index]!;
          chunk += format === "sse" ? sseFrame(event, index) : `${JSON.stringify(event)}\n`;
          index++;
        }
        // An SSE stream ends with an ": end" comment (invisible to EventSource): a client
        // that sees the body end without it knows the connection was cut, and reconnects.
        if (record.done && format === "sse") chunk += ": end\n\n";
        if (chunk !== "") controller.enqueue(encoder.encode(chunk));
        if (record.done) close();
      };
      const unsubscribe = record.subscribe(pump);
      const keepalive =
        format === "sse"
          ? globalThis.setInterval(() => {
              if (!closed) controller.enqueue(encoder.encode(": keepalive\n\n"));
            }, KEEPALIVE_MS)
          : undefined;
      cleanup = () => {
        closed = true;
        unsubscribe();
        if (keepalive !== undefined) globalThis.clearInterval(keepalive);
        open.delete(close);
      };
      open.add(close);
      pump();
    },
    cancel() {
      cleanup();
    },
  });
}

/**
 * An SSE body driven by `setup(send, close)`: `send` writes an `event: <name>` frame, `close`
 * ends the body; the function `setup` returns is called once when the body ends or the client
 * goes away (to stop timers and listeners).
 */
export function sseChannel(
  open: OpenStreams,
  setup: (send: (event: string, data: unknown) => void, close: () => void) => () => void,
): ReadableStream<Uint8Array> {
  let cleanup = (): void => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let teardown = (): void => {};
      const keepalive = globalThis.setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(": keepalive\n\n"));
      }, KEEPALIVE_MS);
      cleanup = () => {
        if (closed) return;
        closed = true;
        globalThis.clearInterval(keepalive);
        open.delete(close);
        teardown();
      };
      const close = (): void => {
        if (closed) return;
        cleanup();
        try {
          controller.close();
        } catch {
          // The client has gone.
        }
      };
      const send = (event: string, data: unknown): void => {
        if (!closed)
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      };
      open.add(close);
      teardown = setup(send, close);
      if (closed) teardown();
    },
    cancel() {
      cleanup();
    },
  });
}
