// Event classes that only ever go to the stream: known by their type name once written, and
// revived from a journal even in a process where no step has written one yet.
import { Event, type EventClass, type EventJSON, eventTypeName } from "../event.js";
import type { WorkflowPlan } from "../internal/plan.js";

/** A class written to the stream is one of the workflow's events from then on (`reviveEvent`). */
export function rememberStreamedClass(plan: WorkflowPlan, cls: EventClass): void {
  const byType = plan.eventsByType as Map<string, EventClass>;
  const name = eventTypeName(cls);
  if (!byType.has(name)) byType.set(name, cls);
}

/** One stand-in class per unknown type name, so `toJSON()` gives back the journaled JSON. */
const standIns = new Map<string, EventClass>();

/**
 * A journaled stream event as an Event: of its own class when the workflow knows the type,
 * else of a stand-in class with the same type name and data (a fresh process replaying a
 * stream before any step has written that class; the data is as journaled, not re-validated).
 */
export function reviveStreamed(
  plan: WorkflowPlan,
  revive: (json: EventJSON) => Event,
  json: EventJSON,
): Event {
  if (plan.eventsByType.has(json.type)) return revive(json);
  let cls = standIns.get(json.type);
  if (cls === undefined) {
    cls = class extends Event {
      static override typeName = json.type;
    };
    standIns.set(json.type, cls);
  }
  return new (cls as unknown as new (data: unknown) => Event)(json.data ?? {});
}
