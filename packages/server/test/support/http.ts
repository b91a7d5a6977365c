// Small HTTP helpers for tests against a real server on 127.0.0.1.
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are read loosely
export async function request<T = any>(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set("Content-Type", "application/json");
  const res = await fetch(url, {
    ...rest,
    headers,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** Reads an SSE response to its end. */
export async function readSse(res: Response): Promise<EventSourceMessage[]> {
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (m) => messages.push(m) });
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    parser.feed(decoder.decode(chunk, { stream: true }));
  }
  return messages;
}

/** Reads SSE messages until `until` accepts one; cancels the body then. */
export async function readSseUntil(
  res: Response,
  until: (m: EventSourceMessage, all: EventSourceMessage[]) => boolean,
): Promise<EventSourceMessage[]> {
  const messages: EventSourceMessage[] = [];
  let done = false;
  const parser = createParser({
    onEvent: (m) => {
      if (done) return;
      messages.push(m);
      if (until(m, messages)) done = true;
    },
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  while (!done) {
    const { value, done: end } = await reader.read();
    if (end) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  return messages;
}
