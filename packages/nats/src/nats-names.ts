// The names of everything @eventloom/nats keeps on the broker: streams, subjects, consumers.
import { WorkflowValidationError } from "@eventloom/core";

/** The default `prefix`: subjects `eventloom.runs.<workflow>`, streams `eventloom_runs`, … */
export const DEFAULT_PREFIX = "eventloom";

/**
 * The streams, subjects and consumer names under one `prefix` (default "eventloom"). Every
 * worker and client that should see each other uses the same prefix; tests use one of their own.
 *
 * | what | name |
 * |---|---|
 * | run requests (work queue) | stream `<prefix>_runs`, subjects `<prefix>.runs.<workflow>` |
 * | a workflow's pull consumer | `<prefix>_run_<workflow>` (durable, shared by all workers) |
 * | a run's stream out (its end state on the terminal event) | stream `<prefix>_out`, subject `<prefix>.out.<runId>` |
 * | a run's state while queued ("running", from its client) | stream `<prefix>_state`, subject `<prefix>.state.<runId>` |
 * | events into a run (request/reply) | subject `<prefix>.in.<runId>` |
 * | cancel a run (request/reply) | subject `<prefix>.cancel.<runId>` |
 * | a client's replies: its runs' end states (core NATS, not stored) | subject `<prefix>.reply.<clientId>` |
 *
 * @example
 * natsNames("eventloom").runs("OrderWorkflow"); // "eventloom.runs.OrderWorkflow"
 */
export interface NatsNames {
  readonly prefix: string;
  readonly runsStream: string;
  readonly outStream: string;
  readonly stateStream: string;
  runs(workflow: string): string;
  consumer(workflow: string): string;
  out(runId: string): string;
  state(runId: string): string;
  in(runId: string): string;
  cancel(runId: string): string;
  reply(clientId: string): string;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Whether `value` can be one token of a subject and part of a stream or consumer name. */
export function isNameToken(value: unknown): value is string {
  return typeof value === "string" && value.length <= 200 && TOKEN.test(value);
}

/** The names under `prefix`; a prefix that is not one subject token is a WorkflowValidationError. */
export function natsNames(prefix: string = DEFAULT_PREFIX): NatsNames {
  if (!isNameToken(prefix)) {
    throw new WorkflowValidationError(
      `prefix must be letters, digits, "_" or "-" (one subject token, no dots); got ${JSON.stringify(prefix)}`,
    );
  }
  return {
    prefix,
    runsStream: `${prefix}_runs`,
    outStream: `${prefix}_out`,
    stateStream: `${prefix}_state`,
    runs: (workflow) => `${prefix}.runs.${workflow}`,
    consumer: (workflow) => `${prefix}_run_${workflow}`,
    out: (runId) => `${prefix}.out.${runId}`,
    state: (runId) => `${prefix}.state.${runId}`,
    in: (runId) => `${prefix}.in.${runId}`,
    cancel: (runId) => `${prefix}.cancel.${runId}`,
    reply: (clientId) => `${prefix}.reply.${clientId}`,
  };
}
