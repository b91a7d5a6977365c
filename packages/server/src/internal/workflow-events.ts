// What a served workflow takes from outside, and the JSON Schemas clients build requests from.
import {
  type EventClass,
  type Workflow,
  StartEvent,
  StopEvent,
  describeWorkflow,
  eventSchema,
  eventTypeName,
} from "@eventloom/core";
import { z } from "zod";

/** True for StartEvent, StopEvent and their subclasses: never accepted from outside. */
export function isStartOrStop(cls: EventClass): boolean {
  return (
    cls === StartEvent ||
    cls === StopEvent ||
    cls.prototype instanceof StartEvent ||
    cls.prototype instanceof StopEvent
  );
}

/**
 * The classes a workflow accepts from outside at any time (core's `externalEventTypes()`:
 * `static externalEvents` and the classes some step accepts), never a StartEvent or StopEvent
 * subclass. A class a live invocation waits for is accepted by that run too (checked per run).
 */
export function externalEventTypes(workflow: Workflow): readonly EventClass[] {
  return workflow.externalEventTypes().filter((cls) => !isStartOrStop(cls));
}

/** Every event class the workflow names (steps, externalEvents), by type name. */
export function eventClassesByType(workflow: Workflow): Map<string, EventClass> {
  const out = new Map<string, EventClass>();
  for (const [name, { cls }] of describeWorkflow(workflow).events) out.set(name, cls);
  for (const cls of externalEventTypes(workflow)) out.set(eventTypeName(cls), cls);
  return out;
}

/**
 * The JSON Schema of an event class's data, as a client sends it (zod's input side: fields with
 * defaults are optional). A class without a schema (plain StartEvent) takes any object.
 */
export function eventJsonSchema(cls: EventClass | undefined): Record<string, unknown> {
  const schema = cls === undefined ? undefined : eventSchema(cls);
  if (schema === undefined) return { type: "object" };
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
}
