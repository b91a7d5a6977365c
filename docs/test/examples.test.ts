import { format } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

/** Imports a docs example (which runs it) and returns what it printed, one string per console.log. */
async function run(example: string): Promise<string[]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL(`../examples/${example}.ts`, import.meta.url).href);
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

it("streaming: for await sees progress then the stop event; RxJS operators map the stream; streamLimit drops the oldest unread events", async () => {
  expect(await run("streaming")).toEqual([
    "33%",
    "67%",
    "100%",
    "stop: event driven workflows",
    "event driven workflows",
    "EVENT-DRIVEN-WORKFLOWS",
    "t4 t5 StopEvent | dropped: 3",
  ]);
});

it("options: run options, a run from an earlier run's context, unknown keys named with the nearest one", async () => {
  expect(await run("options")).toEqual([
    "1",
    "2",
    expect.stringMatching(
      /^new Counter\(options\): unknown option "timout": did you mean timeout\? \(known: timeout, /,
    ),
    expect.stringMatching(
      /^Counter\.run\(\): unknown option "ctx": did you mean context\? \(known: /,
    ),
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

it("human in the loop: answers through the stream and waitForEvent, across a snapshot, and carries a store over", async () => {
  expect(await run("human-in-the-loop")).toEqual([
    "Transfer 250 EUR?",
    "transferred",
    "kept as draft",
    "asked again: Publish v1?",
    "published v1",
    "hello / and again",
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

describe("the trading robot tutorial", () => {
  // The article's waits, 200 times shorter.
  beforeAll(() => vi.stubEnv("SPEED_UP", "200"));
  afterAll(() => vi.unstubAllEnvs());

  it("starting simple: verbose mode logs each step, then the payload", async () => {
    expect(await run("trading-robot/simple")).toEqual([
      "Running step start",
      "Step start produced event SecondStepEvent",
      "Running step secondStep",
      "Step secondStep produced event StopEvent",
      "This is the payload",
    ]);
  });

  it("branching and looping: three buy-or-sell cycles, then done", async () => {
    const lines = await run("trading-robot/branching");
    expect(lines.at(-1)).toBe("We're done for the day.");
    const cycles = lines
      .slice(0, -2)
      .join("\n")
      .split("We now return to the begin step\n")
      .slice(1);
    expect(cycles).toHaveLength(3);
    for (const cycle of cycles) {
      expect(cycle).toMatch(
        /^Will get the latest sentiment for stock NVDA\n(We now buy some stock with sentiment Bullish\.\nBuying NVDA|We now sell some stock with sentiment Bearish\nSelling NVDA)\n?$/,
      );
    }
  });

  it("streaming: progress comes through the stream", async () => {
    const lines = await run("trading-robot/streaming");
    expect(lines.filter((l) => l === ">> We now return to the begin step")).toHaveLength(3);
    expect(lines.filter((l) => /^(Buying|Selling) NVDA$/.test(l))).toHaveLength(2);
    expect(lines.at(-1)).toBe("We're done for the day.");
  });

  it("concurrent execution: three votes, one trade", async () => {
    const [votes, trade, done, ...rest] = await run("trading-robot/concurrent");
    const counts = Object.values(JSON.parse(votes!) as Record<string, number>);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(trade).toMatch(/^(Buying|Selling) NVDA$/);
    expect([done, rest]).toEqual(["We are done for the day.", []]);
  });

  it("nested workflows: the nested TradeStation places the order", async () => {
    const [trade, result] = await run("trading-robot/nested");
    expect(`${trade} -> ${result}`).toMatch(
      /^(Buying NVDA -> Bought NVDA|Selling NVDA -> Sold NVDA)$/,
    );
  });

  it("unbound syntax: the added step runs", async () => {
    expect(await run("trading-robot/unbound")).toEqual(["unbound step ran"]);
  });
});

it("bridges: the monitor's order reaches the running station, and its confirmation comes back", async () => {
  expect(await run("bridges")).toEqual(["[ 'buy NVDA: filled', '1 order served' ]"]);
});
