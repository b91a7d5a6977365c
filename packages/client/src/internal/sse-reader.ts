// Reads an SSE response body into messages with eventsource-parser; tells a clean end (the
// server's ": end" comment) from a cut connection.
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** What one connection gave: its messages as they come, then whether the server ended it. */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  ended: { value: boolean },
): AsyncGenerator<EventSourceMessage> {
  const queue: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (m) => queue.push(m),
    onComment: (c) => {
      if (c.trim() === "end") ended.value = true;
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift()!;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
