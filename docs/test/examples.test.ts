import { format } from "node:util";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

/** Imports a docs example (which runs it) and returns what it printed, one string per console.log. */
async function run(example: string): Promise<string[]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(`../examples/${example}.ts`);
  return log.mock.calls.map((args) => format(...args));
}

it("getting started: greets and shouts", async () => {
  expect(await run("getting-started")).toEqual(["HELLO, ADA!"]);
});

it("events: validates data, names types, revives JSON, resolves to a custom stop event", async () => {
  expect(await run("events")).toEqual([
    "A-1 3",
    expect.stringMatching(/^EventValidationError for .*OrderPlaced.*quantity/),
    "BidQuote Ask",
    "true 10",
    '{"type":"OrderPlaced","data":{"orderId":"A-1","quantity":3}}',
    "true",
  ]);
});

it("steps: the three forms run together, and each run has its own store", async () => {
  expect(await run("steps")).toEqual([
    "published: workflows",
    `[ 'reviewing "workflows"' ]`,
    "[ 'a x1', 'b x1' ]",
  ]);
});

it("branches and loops: the guessing loop finds the secret", async () => {
  expect(await run("branches-and-loops")).toEqual(["found 37 in 3 tries"]);
});

it("streaming: for await sees progress then the stop event; RxJS operators map the stream", async () => {
  expect(await run("streaming")).toEqual([
    "33%",
    "67%",
    "100%",
    "stop: event driven workflows",
    "event driven workflows",
    "EVENT-DRIVEN-WORKFLOWS",
  ]);
});

it("concurrency: fans out to concurrent workers and collects in list order", async () => {
  expect(await run("concurrency")).toEqual([
    "filings+forum+news",
    "concurrent",
    "Bullish/Bearish/Bullish",
  ]);
});

it("retries: succeeds on the third attempt; gives up with the step's own error", async () => {
  expect(await run("retries")).toEqual([
    "42 on attempt 3",
    "ask failed after 2 attempts",
    "true 500",
  ]);
});

it("timeouts and cancellation: run timeout, step timeout, signal and handler cancel", async () => {
  expect(await run("timeouts")).toEqual([
    "run timed out",
    "done",
    "step timed out",
    "cancelled by signal",
    "cancelled",
  ]);
});

it("human in the loop: answers through the stream and through waitForEvent", async () => {
  expect(await run("human-in-the-loop")).toEqual([
    "Transfer 250 EUR?",
    "transferred",
    "kept as draft",
  ]);
});

it("stepwise: runs round by round", async () => {
  expect(await run("stepwise")).toEqual([
    "round 1: Left, Right",
    "round 2: Sum, Sum",
    "round 3: StopEvent",
    "44",
  ]);
});

it("nested workflows: the child's progress reaches the parent; a missing service fails validation", async () => {
  expect(await run("nested-workflows")).toEqual([
    "deciding on NVDA",
    "NVDA: buy",
    "WorkflowValidationError",
  ]);
});

it("drawing: writes HTML pages and Mermaid text", async () => {
  const [page, last, mermaid, ...rest] = await run("drawing");
  expect([page, last, rest]).toEqual(["true true", "true", []]);
  expect(mermaid).toMatch(/^flowchart LR/);
  expect(mermaid).toContain('step_publish("publish")');
  expect(mermaid).toContain("event_Draft --> step_publish");
});

it("tracing: the run span holds the step spans, and the user's span nests in its step", async () => {
  expect(await run("tracing")).toEqual([
    "invoke_workflow AnswerWorkflow",
    "  step ask",
    "  step answer",
    "    llm.call",
  ]);
});
