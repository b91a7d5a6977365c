import {
  type Context,
  type Event,
  type ExecutionRecord,
  type RunInput,
  type RunResult,
  type StepDefinition,
  type StepReturn,
  type StepServices,
  type Workflow,
  type WorkflowHandler,
  WorkflowValidationError,
  nearestName,
} from "@eventloom/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { activeRecorder } from "./internal/active-recorder.js";
import { mockedWorkflow } from "./internal/mocked-workflow.js";

/** A mock of one step: a handler like the step's own, typed from the step where it can be. */
export type MockStep<V = unknown> =
  V extends StepDefinition<infer A, infer E, infer S>
    ? (event: A, ctx: Context<S>, services: StepServices) => StepReturn<E>
    : V extends (event: infer A, ...rest: never[]) => unknown
      ? (event: A, ctx: Context, services: StepServices) => StepReturn<Event>
      : // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (event: any, ctx: Context, services: StepServices) => StepReturn<Event>;

/** The step names TypeScript can see on `W`: field steps and methods (not `addStep` ones). */
type StepKeys<W> = {
  [K in Exclude<keyof W, keyof Workflow>]: W[K] extends StepDefinition
    ? K
    : W[K] extends (...args: never[]) => unknown
      ? K
      : never;
}[Exclude<keyof W, keyof Workflow>] &
  string;

/**
 * Replacement handlers by step name. Field and method steps are typed from the workflow (the
 * mock's event and what it may return); steps added with `addStep` can be mocked too, by name
 * (annotate the event there: the compiler does not know those steps). A name the workflow does
 * not have is refused when the run starts.
 */
export type MockSteps<W> = { readonly [K in StepKeys<W>]?: MockStep<W[K]> } & {
  // `unknown`, not a handler type: an intersection of two function types would leave the typed
  // steps' parameters untyped. testRun checks at run time that each value is a function.
  readonly [name: string]: unknown;
};

/** Options of {@link testRun}. */
export interface TestRunOptions<W = Workflow> {
  /**
   * Handlers to run in place of these steps' own. A mocked step keeps the original's `accepts`,
   * `emits`, `numWorkers`, `retry` and `timeout`: validation still holds, and returning an event
   * the step does not declare still fails the run. Naming a step the workflow does not have is
   * a `WorkflowValidationError` that lists the real ones.
   */
  readonly mockSteps?: MockSteps<W>;
  /** The run's timeout in ms (`null`: none); default the workflow's own. */
  readonly timeout?: number | null;
}

/** What a test run gives back: everything a test asserts on, whether the run worked or not. */
export interface TestRunResult<R = unknown> {
  /** What `await handler` gave; `undefined` when the run failed. */
  readonly result: R | undefined;
  /**
   * Why the run failed (the step's own error, `WorkflowTimeoutError`, a validation error that
   * `run()` threw…); `undefined` when it completed.
   */
  readonly error: unknown;
  /** How the run ended. */
  readonly status: "completed" | "failed" | "timed_out" | "cancelled";
  /** The run's id; `undefined` when `run()` itself threw (no run started). */
  readonly runId: string | undefined;
  /**
   * The run's whole stream in order: what steps wrote with `ctx.writeEventToStream` (and returned
   * `InputRequiredEvent`s), then the terminal event (`StopEvent`, `WorkflowFailedEvent`, …).
   */
  readonly stream: readonly Event[];
  /**
   * Every event the run's steps returned or sent, in the order they were emitted, the stop event
   * included (the start event, and events sent from outside, are not emitted by the run).
   */
  readonly emitted: readonly Event[];
  /** The step invocations, in start order (`handler.history`). */
  readonly history: readonly ExecutionRecord[];
  /**
   * The run's spans (its run span and everything under it, in start order) when a
   * {@link recordSpans} recorder is registered; `[]` otherwise.
   */
  readonly spans: readonly ReadableSpan[];
}

const OPTION_KEYS = ["mockSteps", "timeout"] as const;

/**
 * Runs `workflow` once with `input` and resolves to everything a test asserts on: the result or
 * the error (a failing run resolves with `error` set, it does not reject), the stream, the
 * events the steps emitted, the step history and, while {@link recordSpans} records, the run's
 * spans. `mockSteps` replaces steps' handlers on a copy of the workflow: the instance you pass
 * and its class are not changed. Rejects only when the call itself is wrong (an unknown option
 * or step name).
 *
 * Works with Vitest's fake timers: start the run, advance the clock, then await the result.
 *
 * @example
 * const { result, emitted, error } = await testRun(new Checkout(), { orderId: "o-1" }, {
 *   mockSteps: { charge: (ev) => new Charged({ orderId: ev.orderId, cents: 0 }) },
 * });
 * expect(error).toBeUndefined();
 * expect(emitted.map((e) => e.toJSON().type)).toEqual(["Reserved", "Charged", "StopEvent"]);
 *
 * @example
 * vi.useFakeTimers();
 * const pending = testRun(new Nightly(), {});   // a step retries after one hour
 * await vi.advanceTimersByTimeAsync(60 * 60 * 1000);
 * expect((await pending).result).toBe("done");
 */
export async function testRun<W extends Workflow>(
  workflow: W,
  input?: RunInput<W> | Event,
  options?: TestRunOptions<W>,
): Promise<TestRunResult<RunResult<W>>> {
  const o = checkOptions(workflow, options);
  const mocks = o.mockSteps as Readonly<Record<string, MockStep>> | undefined;
  const target =
    mocks !== undefined && Object.keys(mocks).length > 0
      ? mockedWorkflow(workflow, mocks as never)
      : workflow;

  let handler: WorkflowHandler<RunResult<W>>;
  try {
    handler = target.run(input, o.timeout === undefined ? undefined : { timeout: o.timeout });
  } catch (error) {
    // Bad input or a broken graph: run() throws and no run starts; a test asserts on it the same way.
    return {
      result: undefined,
      error,
      status: "failed",
      runId: undefined,
      stream: [],
      emitted: [],
      history: [],
      spans: [],
    };
  }
  // Both before the run's first step (runs start a microtask after run()), so nothing is missed.
  const stream: Event[] = [];
  const streamEnded = new Promise<void>((resolve) => {
    handler.events$.subscribe({
      next: (ev) => stream.push(ev),
      error: () => resolve(),
      complete: () => resolve(),
    });
  });
  const emitted: Event[] = [];
  handler.emitted$.subscribe({ next: (ev) => emitted.push(ev), error: () => {} });

  let result: RunResult<W> | undefined;
  let error: unknown;
  try {
    result = await handler;
  } catch (e) {
    error = e;
  }
  await streamEnded;
  const status = handler.status === "running" ? "failed" : handler.status;
  return {
    result,
    error,
    status,
    runId: handler.runId,
    stream,
    emitted,
    history: [...handler.history],
    spans: activeRecorder()?.spansOfRun(handler.runId) ?? [],
  };
}

function checkOptions<W extends Workflow>(
  workflow: W,
  options: TestRunOptions<W> | undefined,
): TestRunOptions<W> {
  const name =
    workflow !== null && typeof workflow === "object" && typeof workflow.run === "function"
      ? workflow.workflowName
      : undefined;
  if (name === undefined) {
    throw new WorkflowValidationError(
      `testRun(workflow, input, options): workflow must be a Workflow instance (new MyWorkflow()); got ${describe(workflow)}`,
    );
  }
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    throw new WorkflowValidationError(
      `testRun(${name}, input, options): options must be an object { mockSteps?, timeout? }; got ${describe(options)}`,
    );
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if ((OPTION_KEYS as readonly string[]).includes(key)) continue;
    const guess = nearestName(key, OPTION_KEYS);
    problems.push(
      `unknown option ${key}${guess === undefined ? "" : ` (did you mean ${guess}?)`}; testRun takes ${OPTION_KEYS.join(", ")}`,
    );
  }
  const m = options.mockSteps as unknown;
  if (m !== undefined && (m === null || typeof m !== "object" || Array.isArray(m)))
    problems.push(
      `mockSteps must be an object of handlers by step name, e.g. { charge: (ev) => new Charged(...) }; got ${describe(m)}`,
    );
  const t = options.timeout as unknown;
  if (t !== undefined && t !== null && !(typeof t === "number" && t > 0 && Number.isFinite(t)))
    problems.push(`timeout must be a positive number of ms, or null for none; got ${describe(t)}`);
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `testRun(${name}): ${p}`));
  return options;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" || typeof value === "function") return typeof value;
  return String(value);
}
