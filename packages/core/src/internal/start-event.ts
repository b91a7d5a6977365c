// What `run(input, options)` starts from: the start event, the store of `context`, the services.
import type { Context } from "../context.js";
import { EventValidationError, WorkflowRuntimeError, WorkflowValidationError } from "../errors.js";
import { Event } from "../event.js";
import { RunStore } from "../runtime/run-store.js";
import type { StepView, ViewHost } from "../runtime/step-view.js";
import type { WorkflowPlan } from "./plan.js";

export function checkServices(
  plan: WorkflowPlan,
  services: ReadonlyMap<string, unknown>,
  name: string,
): void {
  for (const s of plan.steps) {
    for (const service of s.definition.services) {
      if (!services.has(service)) {
        throw new WorkflowValidationError(
          `${name}: step ${s.name} requests the service "${service}", but none is registered: add it with addWorkflows(workflow, { ${service}: instance }) from @eventloom/services, or workflow.services.set("${service}", instance)`,
        );
      }
    }
  }
}

export function buildStartEvent(plan: WorkflowPlan, input: unknown): Event {
  const cls = plan.startClass;
  if (input instanceof Event) {
    if (input.constructor !== cls) {
      throw new WorkflowValidationError(
        `${plan.workflowName}.run() was given a ${input.constructor.name}, but the workflow starts with ${cls.name}`,
      );
    }
    return input;
  }
  if (
    input !== undefined &&
    (input === null || typeof input !== "object" || Array.isArray(input))
  ) {
    throw new WorkflowValidationError(
      `${plan.workflowName}.run(input): input must be an object of start event fields; got ${input === null ? "null" : Array.isArray(input) ? "an array" : typeof input}`,
    );
  }
  try {
    return new (cls as unknown as new (data: unknown) => Event)(input ?? {});
  } catch (e) {
    if (e instanceof EventValidationError) throw e;
    throw new WorkflowValidationError(
      `${plan.workflowName}.run(): could not build the start event: ${String(e)}`,
      { cause: e },
    );
  }
}

/**
 * The store a run started with `run(input, { context })` begins from: a copy of the settled
 * earlier run's store (the seed's `run(ctx=...)`). Nothing else of that run is carried over.
 */
export function storeFromContext(plan: WorkflowPlan, context: Context): RunStore {
  const view = context as unknown as StepView;
  const host = view.host as ViewHost | undefined;
  if (host === undefined || !(host.store instanceof RunStore)) {
    throw new WorkflowValidationError(
      `${plan.workflowName}.run(input, { context }): context must be handler.ctx of an earlier run`,
    );
  }
  if (host.settings.plan.workflowName !== plan.workflowName) {
    throw new WorkflowRuntimeError(
      `${plan.workflowName}.run(input, { context }): the context belongs to a run of ${host.settings.plan.workflowName}; a run continues only from a context of the same workflow`,
    );
  }
  if (!host.settled) {
    throw new WorkflowRuntimeError(
      `${plan.workflowName}.run(input, { context }): run ${host.runId} is still in progress; await it (or cancel it) before starting a run from its context`,
    );
  }
  return host.store.copy();
}
