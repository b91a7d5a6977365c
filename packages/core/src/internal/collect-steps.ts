// Finding a workflow's steps: field steps, decorated methods, and unbound steps (`addStep`).
import { WorkflowValidationError } from "../errors.js";
import { type StepDefinition, isStepDefinition, methodStepDefinition } from "../step.js";
import type { CollectedStep } from "./plan.js";

const UNBOUND = Symbol.for("eventloom.unboundSteps");
interface UnboundHolder {
  [UNBOUND]?: CollectedStep[];
}

// Bumped by every addStep so that cached plans of any instance are rebuilt; a counter rather
// than per-class bookkeeping because addStep may target an ancestor of the instance's class.
let unboundVersion = 0;

/** Changes whenever a step is added to any workflow class: cached plans compare it. */
export function stepsVersion(): number {
  return unboundVersion;
}

/** `Workflow.addStep` on `cls` (`base` is `Workflow` itself, where the search stops). */
export function addUnboundStep(cls: Function, base: Function, definition: StepDefinition): void {
  if (!isStepDefinition(definition)) {
    throw new WorkflowValidationError(
      `${cls.name}.addStep() takes what step({ ... }, handler) returns`,
    );
  }
  const name = definition.name ?? definition.handler.name;
  if (!name) {
    throw new WorkflowValidationError(
      `${cls.name}.addStep(): the step has no name: pass step({ name: "myStep", ... }, handler) or a named function`,
    );
  }
  const holder = cls as unknown as UnboundHolder;
  if (
    collectUnbound(cls, base).some((s) => s.name === name) ||
    methodStepDefinition((cls.prototype as Record<string, unknown>)[name])
  ) {
    throw new WorkflowValidationError(
      `${cls.name}.addStep(): a step named ${name} already exists; choose another name`,
    );
  }
  if (!Object.hasOwn(holder, UNBOUND)) holder[UNBOUND] = [];
  holder[UNBOUND]!.push({ name, definition, handler: definition.handler, origin: "unbound" });
  unboundVersion++;
}

function collectUnbound(cls: Function, base: Function): CollectedStep[] {
  const out: CollectedStep[] = [];
  for (let c: unknown = cls; typeof c === "function" && c !== base; c = Object.getPrototypeOf(c)) {
    const own = Object.hasOwn(c, UNBOUND) ? (c as UnboundHolder)[UNBOUND]! : [];
    for (const s of own) if (!out.some((o) => o.name === s.name)) out.push(s);
  }
  return out;
}

/** Field steps, then decorated methods (most derived first), then unbound steps. */
export function collectSteps(wf: object, base: Function): CollectedStep[] {
  const out: CollectedStep[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(wf)) {
    const value = (wf as Record<string, unknown>)[key];
    if (isStepDefinition(value)) {
      out.push({ name: key, definition: value, handler: value.handler, origin: "field" });
      seen.add(key);
    }
  }
  for (
    let proto = Object.getPrototypeOf(wf) as object | null;
    proto !== null && proto !== base.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || seen.has(key)) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      const def = methodStepDefinition(desc?.value);
      if (def === undefined) continue;
      seen.add(key);
      // An undecorated override keeps the base's step options with the new body.
      const current = (wf as Record<string, unknown>)[key];
      const handler =
        typeof current === "function" ? (current as StepDefinition["handler"]) : def.handler;
      out.push({ name: key, definition: def, handler, origin: "method" });
    }
  }
  out.push(...collectUnbound(wf.constructor, base));
  return out;
}
