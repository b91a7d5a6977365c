// An event of a workflow rebuilt (and validated) from its JSON form, by its type name.
import { WorkflowRuntimeError } from "../errors.js";
import type { Event, EventJSON } from "../event.js";
import type { WorkflowPlan } from "./plan.js";

export function reviveEventOf(plan: WorkflowPlan, json: EventJSON): Event {
  if (json === null || typeof json !== "object" || typeof json.type !== "string") {
    throw new WorkflowRuntimeError(
      `reviveEvent expects { type, data }; got ${JSON.stringify(json)}`,
    );
  }
  const cls = plan.eventsByType.get(json.type);
  if (cls === undefined) {
    throw new WorkflowRuntimeError(
      `${plan.workflowName} has no event type "${json.type}" (known: ${[...plan.eventsByType.keys()].join(", ")})`,
    );
  }
  return new (cls as unknown as new (data: unknown) => Event)(json.data ?? {});
}
