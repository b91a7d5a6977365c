// A copy of a workflow instance with some steps' handlers replaced; the original is untouched.
import {
  type StepDefinition,
  type StepHandler,
  Workflow,
  WorkflowValidationError,
  describeWorkflow,
  isStepDefinition,
  nearestName,
} from "@eventloom/core";

// Core keeps these in the global symbol registry so that copies of core agree on them: the mark
// of a decorated method's step definition, and a class's list of unbound (addStep) steps. Core
// exports no other way to read a class's steps with their handlers.
const STEP = Symbol.for("eventloom.step");
const UNBOUND = Symbol.for("eventloom.unboundSteps");

interface UnboundStep {
  readonly name: string;
  readonly definition: StepDefinition;
  readonly handler: StepHandler;
  readonly origin: "unbound";
}

/** A step of a workflow as core collects it: field steps, then methods, then unbound steps. */
interface FoundStep {
  readonly name: string;
  readonly origin: "field" | "method" | "unbound";
  readonly definition: StepDefinition;
  /** The function core calls: for an undecorated override, the override's. */
  readonly handler: StepHandler;
}

/** The steps of `wf`, found the way core's own collection finds them, in the same order. */
export function stepsOf(wf: Workflow): FoundStep[] {
  const out: FoundStep[] = [];
  const seen = new Set<string>();
  const own = wf as unknown as Record<string, unknown>;
  for (const key of Object.keys(wf)) {
    const value = own[key];
    if (isStepDefinition(value)) {
      out.push({ name: key, origin: "field", definition: value, handler: value.handler });
      seen.add(key);
    }
  }
  for (
    let proto: unknown = Object.getPrototypeOf(wf);
    proto !== null && proto !== Workflow.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || seen.has(key)) continue;
      const fn = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      const definition = typeof fn === "function" ? (fn as { [STEP]?: unknown })[STEP] : undefined;
      if (!isStepDefinition(definition)) continue;
      seen.add(key);
      const current = own[key];
      const handler = typeof current === "function" ? (current as StepHandler) : definition.handler;
      out.push({ name: key, origin: "method", definition, handler });
    }
  }
  for (const s of unboundOf(wf.constructor)) out.push(s);
  return out;
}

function unboundOf(cls: Function): UnboundStep[] {
  const out: UnboundStep[] = [];
  for (
    let c: unknown = cls;
    typeof c === "function" && c !== Workflow;
    c = Object.getPrototypeOf(c)
  ) {
    const list = Object.hasOwn(c, UNBOUND)
      ? ((c as unknown as Record<symbol, UnboundStep[]>)[UNBOUND] ?? [])
      : [];
    for (const s of list) if (!out.some((o) => o.name === s.name)) out.push(s);
  }
  return out;
}

/**
 * The names of `wf`'s steps; where core describes the workflow too (it validates it first), the
 * two must agree, or this package and core disagree on how steps are declared.
 */
function checkedStepNames(wf: Workflow, steps: readonly FoundStep[]): string[] {
  const names = steps.map((s) => s.name);
  let described: string[] | undefined;
  try {
    described = describeWorkflow(wf).steps.map((s) => s.name);
  } catch {
    // An invalid workflow: its run() reports that, with core's own message.
  }
  if (
    described !== undefined &&
    [...described].sort().join() !== [...new Set(names)].sort().join()
  ) {
    throw new WorkflowValidationError(
      `testRun(${wf.workflowName}): @eventloom/testing found the steps ${names.join(", ")} but @eventloom/core has ${described.join(", ")}: install matching versions of the two packages`,
    );
  }
  return names;
}

/**
 * A new instance that behaves as `original` with the handlers of `mocks` in place of those
 * steps' own (each keeping its accepts, emits, workers, retry, timeout and services). It is an
 * instance of a fresh subclass of `original`'s class with the same workflow name, options and
 * own fields; the original instance and its class are never changed. Steps that are not mocked
 * run with `this` bound to the original, so its private fields and methods work.
 */
export function mockedWorkflow<W extends Workflow>(
  original: W,
  mocks: Readonly<Record<string, StepHandler>>,
): W {
  const steps = stepsOf(original);
  const names = checkedStepNames(original, steps);
  const name = original.workflowName;
  const unknown = Object.keys(mocks).filter((k) => !names.includes(k));
  if (unknown.length > 0) {
    const lines = unknown.map((k) => {
      const guess = nearestName(k, names);
      return `"${k}"${guess === undefined ? "" : ` (did you mean ${guess}?)`}`;
    });
    throw new WorkflowValidationError(
      `testRun(${name}): mockSteps names ${lines.join(", ")}, but ${name} has no such step; its steps are: ${names.join(", ")}`,
    );
  }
  for (const [key, handler] of Object.entries(mocks)) {
    if (typeof handler !== "function") {
      throw new WorkflowValidationError(
        `testRun(${name}): mockSteps.${key} must be a step handler (event, ctx) => event | undefined; got ${handler === null ? "null" : typeof handler}`,
      );
    }
  }

  const Base = original.constructor as typeof Workflow;
  // A subclass, so that the copy keeps the class's statics (state, externalEvents, …) and
  // methods, and the unbound steps it mocks shadow the class's own without touching them.
  const Mocked = class extends Base {};
  Object.defineProperty(Mocked, "name", { value: Base.name });
  Object.defineProperty(Mocked, "workflowName", {
    value: name,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  const unbound = steps.filter((s) => s.origin === "unbound");
  if (unbound.some((s) => Object.hasOwn(mocks, s.name))) {
    const list: UnboundStep[] = unbound.map((s) => ({
      name: s.name,
      definition: mock(s.definition, mocks[s.name]) ?? s.definition,
      handler: mocks[s.name] ?? s.handler,
      origin: "unbound",
    }));
    Object.defineProperty(Mocked, UNBOUND, { value: list, configurable: true, writable: true });
  }

  // Only Workflow's own constructor runs: the user's may take other arguments, or have effects.
  const copy = Reflect.construct(Workflow, [original.options], Mocked) as W;
  for (const key of Reflect.ownKeys(original)) {
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(original, key)!);
  }
  for (const s of steps) {
    if (s.origin === "unbound") continue;
    const replacement = mocks[s.name];
    const handler: StepHandler =
      replacement ??
      ((event, ctx, services) => s.handler.call(original, event, ctx, services) as never);
    Object.defineProperty(copy, s.name, {
      value: { ...s.definition, handler },
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return copy;
}

function mock(
  definition: StepDefinition,
  handler: StepHandler | undefined,
): StepDefinition | undefined {
  return handler === undefined ? undefined : { ...definition, handler };
}
