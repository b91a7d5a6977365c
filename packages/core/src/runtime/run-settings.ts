// What every run of one workflow instance shares: the plan and the instance's options, made once.
import type { ContextWorkflow } from "../context.js";
import type { WorkflowPlan } from "../internal/plan.js";

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
