import {
  type Context,
  type Event,
  type RunInput,
  type RunResult,
  StopEvent,
  type Workflow,
  type WorkflowHandler,
  WorkflowValidationError,
} from "@eventloom/core";
import { recordNestedRun } from "./nested-runs.js";

/** Options of {@link runNested}. */
export interface NestedRunOptions {
  /**
   * Copy the child's stream into the calling run's stream (`ctx.writeEventToStream`): `true` for
   * every event, or a predicate that picks them. The child's terminal event (its `StopEvent`,
   * `WorkflowFailedEvent`, ...) is never copied: the parent's stream has exactly one terminal
   * event, its own. Default `false`.
   */
  readonly forwardStream?: boolean | ((event: Event) => boolean);
  /**
   * The child's own timeout (ms, or `null` for none); default the child workflow's. Either way
   * the child never outlives the calling run's deadline.
   */
  readonly timeout?: number | null;
  /** Another signal that cancels the child (the calling step's cancellation always does). */
  readonly signal?: AbortSignal;
}

/**
 * Runs `workflow` as a nested run of the step whose context is `ctx`, and returns the child's
 * handler (await it for the result). The child run:
 *
 * - is a child span of the calling step (one trace), even where the async context was lost;
 * - is cancelled when the calling step is aborted (the parent run is cancelled, fails, times out
 *   or stops, or the step attempt times out);
 * - inherits the parent's remaining deadline: it never outlives the parent run;
 * - optionally forwards its stream into the parent's (`forwardStream`);
 * - is recorded as a nested run of the parent ({@link nestedRunsOf}), so that
 *   `drawMostRecentExecution(parent)` draws its steps inside the service's group.
 *
 * An error that fails the child rejects the returned handler with the child's own error, so a
 * step that awaits it and lets it propagate fails the parent with that same error.
 *
 * @example
 * trade = step(
 *   { accepts: [TradeEvent], emits: [StopEvent], services: ["tradeStation"] },
 *   async (ev, ctx, { tradeStation }) => {
 *     const order = await runNested(ctx, tradeStation as TradeStation,
 *       { stock: ev.stock, sentiment: ev.payload }, { forwardStream: true });
 *     return new StopEvent({ result: order });
 *   },
 * );
 */
export function runNested<W extends Workflow, S>(
  ctx: Context<S>,
  workflow: W,
  input?: RunInput<W> | Event,
  options: NestedRunOptions = {},
): WorkflowHandler<RunResult<W>> {
  const forward = checkOptions(workflow, options);
  const handler = workflow.run(input, {
    parent: ctx as unknown as Context,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  recordNestedRun(ctx as unknown as Context, handler);
  if (forward !== undefined) forwardInto(ctx as unknown as Context, handler, forward);
  return handler;
}

function checkOptions(
  workflow: Workflow,
  options: NestedRunOptions,
): ((event: Event) => boolean) | undefined {
  if (options === null || typeof options !== "object") {
    throw new WorkflowValidationError(
      `runNested(ctx, ${workflow.workflowName}, input, options): options must be an object`,
    );
  }
  const f = options.forwardStream;
  if (f === undefined || f === false) return undefined;
  if (f === true) return () => true;
  if (typeof f === "function") return f;
  throw new WorkflowValidationError(
    `runNested(ctx, ${workflow.workflowName}, input, options): forwardStream must be a boolean or a predicate (event) => boolean; got ${typeof f}`,
  );
}

/**
 * Copies the child's written events into the parent's stream as they happen. The subscription
 * ends with the child's stream; writes after the calling step has finished are dropped by core.
 * A predicate that throws must not become an uncaught exception (RxJS would rethrow it
 * asynchronously): it cancels the child with the error as `cause`, which the step then sees.
 */
function forwardInto(
  ctx: Context,
  child: WorkflowHandler<unknown>,
  pick: (event: Event) => boolean,
): void {
  const subscription = child.events$.subscribe((event) => {
    if (event instanceof StopEvent) return;
    let keep: boolean;
    try {
      keep = pick(event);
    } catch (error) {
      subscription.unsubscribe();
      void child.cancel(error);
      return;
    }
    if (keep) ctx.writeEventToStream(event);
  });
}
