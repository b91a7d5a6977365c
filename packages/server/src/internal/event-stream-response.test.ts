// Streams release what they hold when the client goes away or the server closes them.
import { StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { expect, it } from "vitest";
import { type OpenStreams, runEventStream, sseChannel } from "./event-stream-response.js";
import { RunRegistry } from "./run-registry.js";

class Waits extends Workflow {
  start = step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
    await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
    return new StopEvent({ result: 1 });
  });
}

it("a run's stream unsubscribes from the run when the client cancels it", async () => {
  const workflow = new Waits({ timeout: null });
  const registry = new RunRegistry([{ name: "w", workflow }], 10);
  const record = registry.started({ name: "w", workflow }, workflow.run({}));
  const open: OpenStreams = new Set();
  const reader = runEventStream(record, 0, "sse", open).getReader();
  expect([record.listenerCount, open.size]).toEqual([1, 1]);
  await reader.cancel();
  expect([record.listenerCount, open.size]).toEqual([0, 0]);
  await record.handler.cancel();
});

it("an SSE channel tears down (timers, listeners) on cancel and on close, once", async () => {
  const open: OpenStreams = new Set();
  let teardowns = 0;
  const reader = sseChannel(open, (send) => {
    send("x", { a: 1 });
    return () => teardowns++;
  }).getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toBe('event: x\ndata: {"a":1}\n\n');
  await reader.cancel();
  expect([teardowns, open.size]).toEqual([1, 0]);

  const second = sseChannel(open, () => () => teardowns++).getReader();
  expect(open.size).toBe(1);
  for (const close of [...open]) close();
  expect(await second.read()).toEqual({ done: true, value: undefined });
  expect([teardowns, open.size]).toEqual([2, 0]);
});
