import { describe, expect, it } from "vitest";
import { type SseMessage, SseParser } from "../page/sse.js";

function parse(chunks: string[]) {
  const out: SseMessage[] = [];
  const p = new SseParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  return { out, last: p.lastEventId };
}

describe("the page's SSE parser", () => {
  it("reads event, multi-line data and id, and ignores comments", () => {
    const { out, last } = parse([
      ': hello\n\nid: 1\nevent: run\ndata: {"a":\ndata: 1}\n\n',
      "event: x\ndata: y\n\n",
    ]);
    expect(out).toEqual([
      { event: "run", data: '{"a":\n1}', id: "1" },
      { event: "x", data: "y" },
    ]);
    expect(last).toBe("1");
  });

  it("joins events split across chunks anywhere, with CRLF line ends", () => {
    const text = "id: 7\r\nevent: steps\r\ndata: {}\r\n\r\n";
    for (let cut = 1; cut < text.length; cut++) {
      const { out } = parse([text.slice(0, cut), text.slice(cut)]);
      expect(out, `cut at ${cut}`).toEqual([{ event: "steps", data: "{}", id: "7" }]);
    }
  });

  it("calls an event without a type 'message' and skips one without data", () => {
    expect(parse(["data: a\n\nevent: empty\n\n"]).out).toEqual([{ event: "message", data: "a" }]);
  });

  it("reads a big chunk in linear time (the whole runs list arrives as one)", () => {
    const event = `event: run\ndata: ${JSON.stringify({ runId: "r".repeat(36), workflow: "w", status: "completed" })}\n\n`;
    const started = performance.now();
    const { out } = parse([event.repeat(20_000)]);
    expect(out.length).toBe(20_000);
    // About 0.15 s here; the bound only catches a parser that goes quadratic.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
