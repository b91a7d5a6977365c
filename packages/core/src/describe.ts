import { type EventClass, eventSchema, eventTypeName } from "./event.js";
import { PLAN, type Workflow } from "./workflow.js";

/** One step of a workflow, as tools (the drawer, docs) see it. */
export interface StepDescription {
  readonly name: string;
  readonly accepts: readonly EventClass[];
  readonly emits: readonly EventClass[];
  readonly numWorkers: number;
  readonly timeout: number | undefined;
  readonly retry: boolean;
  readonly services: readonly string[];
}

/** A workflow's graph: its steps and every event class they accept or emit. */
export interface WorkflowDescription {
  readonly name: string;
  readonly steps: readonly StepDescription[];
  /** Every event class, keyed by type name, with its schema's field names. */
  readonly events: ReadonlyMap<
    string,
    { readonly cls: EventClass; readonly fields: readonly string[] }
  >;
  readonly startEvent: EventClass;
  /** Services registered on the instance (nested workflows), by name. */
  readonly services: ReadonlyMap<string, unknown>;
}

/**
 * Describes a workflow's steps and events without running it (validates it first).
 *
 * @example
 * const { steps } = describeWorkflow(new MyWorkflow());
 */
export function describeWorkflow(workflow: Workflow): WorkflowDescription {
  const plan = workflow[PLAN]();
  const events = new Map<string, { cls: EventClass; fields: string[] }>();
  const add = (cls: EventClass) => {
    const name = eventTypeName(cls);
    if (!events.has(name))
      events.set(name, { cls, fields: Object.keys(eventSchema(cls)?.shape ?? {}) });
  };
  for (const s of plan.steps) {
    s.definition.accepts.forEach(add);
    s.definition.emits.forEach(add);
  }
  return {
    name: plan.workflowName,
    steps: plan.steps.map((s) => ({
      name: s.name,
      accepts: s.definition.accepts,
      emits: s.definition.emits,
      numWorkers: s.definition.numWorkers,
      timeout: s.definition.timeout,
      retry: s.definition.retry !== undefined,
      services: s.definition.services,
    })),
    events,
    startEvent: plan.startClass,
    services: workflow.services,
  };
}
