import type { Tracer } from "@opentelemetry/api";

/** The three engines measured side by side in one process. */
export type EngineName = "floor" | "eventloom" | "llamaindex";

export const ENGINE_LABELS: Record<EngineName, string> = {
  floor: "floor (hand-written queue)",
  eventloom: "@eventloom/core",
  llamaindex: "@llamaindex/workflow-core",
};

/**
 * Counters the scenarios share with every engine's step bodies, so each engine does exactly the
 * same user work: the fan-out workers count how many of them run at once, the idle runs count
 * themselves once they are waiting.
 */
export class Probe {
  active = 0;
  maxActive = 0;
  waiting = 0;

  enter(): void {
    if (++this.active > this.maxActive) this.maxActive = this.active;
  }

  exit(): void {
    this.active--;
  }
}

/** A step body's simulated I/O: a real timer, as a network call would be. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What every engine implements. Each method performs the scenario's whole workload and returns
 * a count derived from the work itself (a value carried through every step, the number of
 * collected or streamed events), which the runner checks: an engine cannot skip work.
 */
export interface Engine {
  readonly name: EngineName;
  /** `runs` sequential runs of a `steps`-step chain; returns the sum of the runs' results. */
  chain(runs: number, steps: number): Promise<number>;
  /** One run whose step re-emits its own event until it has run `n` times; returns n. */
  loop(n: number): Promise<number>;
  /**
   * One run: a start step sends `n` work events to a step with `workers` workers (each awaiting
   * `ioMs` of timer when > 0), whose results a fan-in step collects; returns how many it collected.
   */
  fanout(n: number, workers: number, ioMs: number, probe: Probe): Promise<number>;
  /** `runs` runs of a `steps`-step chain started at once; `afterStart` is called once all are started. */
  concurrentRuns(runs: number, steps: number, afterStart: () => void): Promise<number>;
  /** One run writes `n` events to its stream; the caller consumes it with `for await`. */
  stream(n: number): Promise<number>;
  /** The chain with step spans sent to `tracer`; undefined where the engine has no OpenTelemetry tracing. */
  tracedChain: ((runs: number, steps: number, tracer: Tracer) => Promise<number>) | undefined;
  /**
   * Starts `runs` runs that each wait for an event; once all wait, calls `measure()`; then
   * cancels (or, where the engine cannot cancel, abandons) them all. Returns how many ended.
   */
  idle(runs: number, probe: Probe, measure: () => void): Promise<number>;
}

/** Workload sizes: the full benchmark, and the smoke run CI uses to check that it works. */
export interface Sizes {
  readonly chainRuns: number;
  readonly chainSteps: number;
  readonly loop: number;
  readonly fanout: number;
  readonly workers: number;
  readonly ioMs: number;
  readonly concurrentRuns: number;
  readonly concurrentSteps: number;
  readonly stream: number;
  readonly scale: number;
  readonly idleRuns: number;
  /** Measured repetitions of the peer (after warm-up); the table shows their median. */
  readonly reps: number;
  readonly warmups: number;
  /**
   * The same for the floor and Eventloom, whose runs take milliseconds: more repetitions cost
   * little and steady the median on a shared machine.
   */
  readonly fastReps: number;
  readonly fastWarmups: number;
  /** Durable runs (SQLite, PostgreSQL): runs started at once, and steps per run. */
  readonly durableRuns: number;
  readonly durableSteps: number;
  /** Durable runs one after another (each awaited before the next starts). */
  readonly durableSequential: number;
  /** The same with every commit fsynced (SQLite `synchronous: "full"`), slower per run. */
  readonly durableSequentialFull: number;
  /** HTTP: requests per measurement, and the connections they are spread over. */
  readonly httpRequests: number;
  readonly httpConnections: number;
  /** SSE: events one run streams to a client per measurement. */
  readonly sseEvents: number;
  /** NATS: messages (floor) or runs (Eventloom) per measurement. */
  readonly natsMessages: number;
  /** Cold starts: child processes spawned per engine. */
  readonly coldSpawns: number;
  /**
   * Repetitions of the scenarios that talk to a server (PostgreSQL, HTTP, NATS), whose single
   * measurement takes a second or so.
   */
  readonly serviceReps: number;
  readonly serviceWarmups: number;
}

export const FULL: Sizes = {
  chainRuns: 2_000,
  chainSteps: 10,
  loop: 20_000,
  fanout: 2_000,
  workers: 8,
  ioMs: 1,
  concurrentRuns: 1_000,
  concurrentSteps: 3,
  stream: 20_000,
  scale: 10,
  idleRuns: 10_000,
  reps: 5,
  warmups: 2,
  fastReps: 11,
  fastWarmups: 3,
  durableRuns: 1_000,
  durableSteps: 3,
  durableSequential: 200,
  durableSequentialFull: 20,
  httpRequests: 5_000,
  httpConnections: 20,
  sseEvents: 20_000,
  natsMessages: 500,
  coldSpawns: 11,
  serviceReps: 5,
  serviceWarmups: 1,
};

export const SMOKE: Sizes = {
  chainRuns: 20,
  chainSteps: 10,
  loop: 200,
  fanout: 40,
  workers: 8,
  ioMs: 1,
  concurrentRuns: 20,
  concurrentSteps: 3,
  stream: 200,
  scale: 10,
  idleRuns: 100,
  reps: 1,
  warmups: 1,
  fastReps: 1,
  fastWarmups: 1,
  durableRuns: 20,
  durableSteps: 3,
  durableSequential: 5,
  durableSequentialFull: 3,
  httpRequests: 40,
  httpConnections: 4,
  sseEvents: 200,
  natsMessages: 20,
  coldSpawns: 1,
  serviceReps: 1,
  serviceWarmups: 0,
};

/** The scenarios, in the order the table shows them; `--only` takes these names. */
export const SCENARIOS = [
  "chain",
  "loop",
  "fanout",
  "fanout_io",
  "concurrent_runs",
  "stream",
  "tracing",
  "scale",
  "idle_memory",
  "sqlite",
  "postgres",
  "http",
  "sse",
  "nats",
  "cold",
] as const;

/**
 * The scenarios that run once, in the first phase, and fill in every column they have
 * themselves (durable runs, servers, child processes): they do not go through `Engine`.
 */
export const SOLO_SCENARIOS: readonly ScenarioName[] = [
  "sqlite",
  "postgres",
  "http",
  "sse",
  "nats",
  "cold",
];

export type ScenarioName = (typeof SCENARIOS)[number];
