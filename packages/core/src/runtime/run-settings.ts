// What every run of one workflow instance shares: the plan and the instance's options, made once.
import type { ContextWorkflow } from "../context.js";
import type { WorkflowPlan } from "../internal/plan.js";
import { payloadMaxLength } from "../workflow-options.js";

/**
 * What every run of one workflow instance shares (made once per instance and plan); what
 * differs per run (start event, timeout, tracer, signal) is on the run itself.
 */
export class RunSettings {
  constructor(
    readonly workflow: ContextWorkflow,
    readonly plan: WorkflowPlan,
    readonly verbose: boolean,
    readonly log: (message: string) => void,
    readonly recordExceptions: boolean,
    /** Record the input event's JSON on step spans, cut to this length; undefined for none. */
    readonly payloadMaxLength: number | undefined,
    readonly services: ReadonlyMap<string, unknown>,
    /** How many execution records `history` keeps. */
    readonly historyLimit: number,
    /** The most stream events kept for consumers not yet attached (`streamLimit`). */
    readonly streamLimit: number,
    /** The most events a run's wait buffer keeps (`waitBufferLimit`). */
    readonly waitBufferLimit: number,
  ) {}
}

/** The settings of a workflow instance's runs, from its options. */
export function settingsOf(
  workflow: ContextWorkflow,
  plan: WorkflowPlan,
  services: ReadonlyMap<string, unknown>,
): RunSettings {
  const o = workflow.options;
  return new RunSettings(
    workflow,
    plan,
    o.verbose === true,
    // console.log looked up at each call, so a test's spy on it sees the lines.
    o.logger ?? ((message: string) => console.log(message)),
    o.recordExceptions !== false,
    payloadMaxLength(o.recordEventPayloads),
    services,
    o.historyLimit ?? 1000,
    o.streamLimit ?? 100_000,
    o.waitBufferLimit ?? 10_000,
  );
}
