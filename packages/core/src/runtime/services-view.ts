// The services a step asked for (`services: [...]`), with nested workflows bound to the step.
import type { StepRecord } from "../internal/plan.js";
import type { StepServices } from "../step.js";
import type { RunSettings } from "./run-settings.js";
import type { StepView } from "./step-view.js";

export const NO_SERVICES: StepServices = Object.freeze({});

interface WorkflowLike {
  run(input?: unknown, options?: { parent?: unknown }): unknown;
  reviveEvent(json: unknown): unknown;
}

/**
 * The services a step asked for. A workflow among them is handed over as a view whose `run()`
 * starts a nested run of this attempt (`parent: ctx` unless given): it inherits the trace,
 * cancellation and deadline, as `await services.child.run(input)` in the Python original.
 */
export function servicesFor(settings: RunSettings, step: StepRecord, view: StepView): StepServices {
  const out: Record<string, unknown> = {};
  for (const name of step.definition.services) {
    const service = settings.services.get(name);
    out[name] = isWorkflowLike(service) ? nestedView(service, view) : service;
  }
  return out;
}

function isWorkflowLike(value: unknown): value is WorkflowLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as WorkflowLike).run === "function" &&
    typeof (value as WorkflowLike).reviveEvent === "function"
  );
}

/**
 * The workflow `service` as a step sees it: the same object (its class, fields and methods) but
 * with `run(input, options)` defaulting `options.parent` to the step's context.
 */
function nestedView(service: WorkflowLike, parent: StepView): WorkflowLike {
  const run = (input?: unknown, options?: { parent?: unknown }) =>
    service.run(input, options?.parent === undefined ? { ...options, parent } : options);
  return new Proxy(service, {
    get(target, key) {
      if (key === "run") return run;
      const value: unknown = Reflect.get(target, key, target);
      // Methods run on the workflow itself (its private fields live there).
      return typeof value === "function" && key !== "constructor"
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}
