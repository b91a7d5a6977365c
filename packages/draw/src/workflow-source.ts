import { Workflow, WorkflowValidationError } from "@eventloom/core";

/** A workflow instance, or a workflow class whose constructor needs no arguments. */
export type WorkflowSource = Workflow | (new () => Workflow);

/** The instance to draw: `source` itself, or `new source()` for a class. */
export function resolveWorkflow(source: unknown, caller: string): Workflow {
  if (source instanceof Workflow) return source;
  if (typeof source === "function" && source.prototype instanceof Workflow) {
    return new (source as new () => Workflow)();
  }
  throw new WorkflowValidationError(
    `${caller} takes a Workflow class or instance; got ${describeValue(source)}`,
  );
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `the function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "no prototype"})`;
  return typeof value;
}
