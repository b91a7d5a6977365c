/** One Server-Sent Event as the page uses it. */
export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

/**
 * An incremental parser of the `text/event-stream` format (the WHATWG rules the page needs:
 * `event`, `data` over several lines, `id`, comments, CR/LF/CRLF line ends). Feed it decoded
 * chunks; it calls `onMessage` for each complete event.
 */
export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | undefined;
  /** The last `id:` seen: what `Last-Event-ID` resumes from. */
  lastEventId: string | undefined;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    const text = this.buffer + chunk;
    // Lines are cut by index and the rest is kept once per chunk (the whole runs list may
    // arrive as one chunk).
    const eol = /\r\n|\r|\n/g;
    let start = 0;
    for (let m = eol.exec(text); m !== null; m = eol.exec(text)) {
      // A lone CR at the end of a chunk may be the first half of a CRLF: wait for more.
      if (m[0] === "\r" && m.index === text.length - 1) break;
      this.line(text.slice(start, m.index));
      start = m.index + m[0].length;
    }
    this.buffer = text.slice(start);
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length > 0) {
        this.onMessage({
          event: this.event || "message",
          data: this.data.join("\n"),
          ...(this.id === undefined ? {} : { id: this.id }),
        });
      }
      this.event = "";
      this.data = [];
      this.id = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\u0000")) {
      this.id = value;
      this.lastEventId = value;
    }
  }
}
