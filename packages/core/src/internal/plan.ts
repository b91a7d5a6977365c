import type { z } from "zod";
import { WorkflowValidationError } from "../errors.js";
import {
  type Event,
  type EventClass,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  eventTypeName,
  isEventClass,
  isUnnamedDefinedClass,
} from "../event.js";
import { describeValue } from "../runtime/describe-value.js";
import type { StepDefinition, StepHandler } from "../step.js";
import {
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
} from "../workflow-events.js";

/** A step as a run sees it: resolved name, bound handler, O(1) sets. */
export interface StepRecord {
  readonly name: string;
  readonly index: number;
  readonly definition: StepDefinition;
  readonly handler: StepHandler;
  readonly emits: ReadonlySet<EventClass>;
  /** `numWorkers`: how many invocations may be in flight at once. */
  readonly limit: number;
  readonly acceptsSet: ReadonlySet<EventClass>;
  /** Some class in `emits` is an `InputRequiredEvent`: returned ones go to the stream too. */
  readonly emitsInputRequired: boolean;
  /**
   * The prototype of the last event this step returned, once checked against `emits`, and its
   * route: a step mostly returns one class, which is then neither checked nor looked up again.
   */
  lastOutput: object | undefined;
  lastRoute: Route | undefined;
}

/** Where events of one class go in a plan: computed once per class. */
export interface Route {
  readonly stop: boolean;
  /** The steps that accept the class, or undefined for none. */
  readonly steps: readonly StepRecord[] | undefined;
  readonly inputRequired: boolean;
}

/** Everything a run needs that depends only on the workflow's steps; built once per instance. */
export interface WorkflowPlan {
  readonly workflowName: string;
  readonly steps: readonly StepRecord[];
  readonly byName: ReadonlyMap<string, StepRecord>;
  /** Event class -> the steps that accept it, in declaration order. */
  readonly routes: ReadonlyMap<EventClass, readonly StepRecord[]>;
  readonly startClass: EventClass;
  readonly eventsByType: ReadonlyMap<string, EventClass>;
  /**
   * The classes a run accepts from outside (`static externalEvents`, and every class some step
   * accepts), never a start or stop event; classes a live invocation waits for come on top.
   */
  readonly external: readonly EventClass[];
  readonly stateSchema: z.ZodObject | undefined;
  /** True when some step declares `services` (checked at every run, since they can change). */
  readonly needsServices: boolean;
  /** Routes by event prototype, filled as classes are first seen (see `routeOf`). */
  readonly routeCache: Map<object, Route>;
}

/**
 * Records that `step` may emit `event`'s class (the caller has checked it against `emits`) and
 * returns the class's route: the next event of that class the step returns or sends is neither
 * checked nor looked up again.
 */
export function rememberOutput(plan: WorkflowPlan, step: StepRecord, event: Event): Route {
  const route = routeOf(plan, event);
  step.lastOutput = Object.getPrototypeOf(event) as object;
  step.lastRoute = route;
  return route;
}

/** The route of an event's class, by its prototype (so a field named "constructor" is harmless). */
export function routeOf(plan: WorkflowPlan, event: Event): Route {
  const proto = Object.getPrototypeOf(event) as object;
  let route = plan.routeCache.get(proto);
  if (route === undefined) {
    const cls = (proto as { constructor: EventClass }).constructor;
    route = {
      stop: event instanceof StopEvent,
      steps: plan.routes.get(cls),
      inputRequired: event instanceof InputRequiredEvent,
    };
    plan.routeCache.set(proto, route);
  }
  return route;
}

export interface CollectedStep {
  readonly name: string;
  readonly definition: StepDefinition;
  readonly handler: StepHandler;
  readonly origin: "field" | "method" | "unbound";
}

const isStart = (c: EventClass) => c === StartEvent || c.prototype instanceof StartEvent;
const isStop = (c: EventClass) => c === StopEvent || c.prototype instanceof StopEvent;
const isHuman = (c: EventClass) =>
  c === InputRequiredEvent ||
  c.prototype instanceof InputRequiredEvent ||
  c === HumanResponseEvent ||
  c.prototype instanceof HumanResponseEvent;

const list = (names: Iterable<string>) => [...names].join(", ");

export function buildPlan(
  workflowName: string,
  collected: readonly CollectedStep[],
  stateSchema: z.ZodObject | undefined,
  validate: boolean,
  externalEvents: readonly EventClass[] = [],
): WorkflowPlan {
  const problems: string[] = [];
  const externals = checkExternalEvents(externalEvents, problems);
  const steps: StepRecord[] = [];
  const byName = new Map<string, StepRecord>();
  const routes = new Map<EventClass, StepRecord[]>();
  const producers = new Map<EventClass, string[]>();
  const consumers = new Map<EventClass, string[]>();

  for (const c of collected) {
    if (byName.has(c.name)) {
      problems.push(
        `Two steps are named ${c.name}: rename one (a ${c.origin} step clashes with an earlier one)`,
      );
      continue;
    }
    const record: StepRecord = {
      name: c.name,
      index: steps.length,
      definition: c.definition,
      handler: c.handler,
      emits: new Set(c.definition.emits),
      limit: c.definition.numWorkers,
      emitsInputRequired: c.definition.emits.some(
        (cls) => cls === InputRequiredEvent || cls.prototype instanceof InputRequiredEvent,
      ),
      acceptsSet: new Set(c.definition.accepts),
      lastOutput: undefined,
      lastRoute: undefined,
    };
    steps.push(record);
    byName.set(c.name, record);
    for (const cls of c.definition.accepts) {
      let r = routes.get(cls);
      if (r === undefined) routes.set(cls, (r = []));
      r.push(record);
      push(consumers, cls, c.name);
    }
    for (const cls of c.definition.emits) push(producers, cls, c.name);
  }

  const startClasses = [...consumers.keys()].filter(isStart);
  const stopClasses = [...producers.keys()].filter(isStop);
  const startClass = startClasses[0] ?? StartEvent;

  if (validate) {
    if (steps.length === 0)
      problems.push(`Workflow ${workflowName} has no steps: declare some with step()`);
    if (startClasses.length === 0 && steps.length > 0) {
      problems.push(
        `No step accepts a start event: give one step accepts: [StartEvent] (or your StartEvent.define() class)`,
      );
    }
    if (startClasses.length > 1) {
      problems.push(
        `More than one start event class: ${startClasses.map((c) => `${eventTypeName(c)} (accepted by ${list(consumers.get(c)!)})`).join(", ")}; a workflow has exactly one`,
      );
    }
    if (stopClasses.length === 0 && steps.length > 0) {
      problems.push(
        `No step emits a stop event: add StopEvent (or your StopEvent.define() class) to some step's emits`,
      );
    }
    if (stopClasses.length > 1) {
      problems.push(
        `More than one stop event class: ${stopClasses.map((c) => `${eventTypeName(c)} (emitted by ${list(producers.get(c)!)})`).join(", ")}; a workflow has exactly one`,
      );
    }
    for (const [cls, names] of consumers) {
      if (isStop(cls)) {
        problems.push(
          `Step ${list(names)} accepts the stop event ${eventTypeName(cls)}: a stop event ends the run and is never delivered; remove it from accepts`,
        );
      } else if (!isStart(cls) && !isHuman(cls) && !producers.has(cls) && !externals.has(cls)) {
        problems.push(
          `Event ${eventTypeName(cls)} is accepted by ${list(names)} but no step emits it: add it to the emits of the step that produces it, list it in static externalEvents if it only comes from outside (handler.sendEvent, a bridge, the server), or remove it from accepts`,
        );
      }
    }
    for (const [cls, names] of producers) {
      if (!isStop(cls) && !isHuman(cls) && !consumers.has(cls)) {
        problems.push(
          `Event ${eventTypeName(cls)} is emitted by ${list(names)} but no step accepts it: add a step that accepts it, or remove it from emits`,
        );
      }
    }
  }

  const eventsByType = new Map<string, EventClass>();
  const builtIns: EventClass[] = [
    StartEvent,
    StopEvent,
    InputRequiredEvent,
    HumanResponseEvent,
    WorkflowFailedEvent,
    WorkflowTimedOutEvent,
    WorkflowCancelledEvent,
  ];
  const classes = new Set<EventClass>([
    ...builtIns,
    ...consumers.keys(),
    ...producers.keys(),
    ...externals,
  ]);
  for (const cls of classes) {
    const users = [...(consumers.get(cls) ?? []), ...(producers.get(cls) ?? [])];
    if (validate && isUnnamedDefinedClass(cls)) {
      problems.push(
        `A class made with define() is used directly without a name (in step ${list(new Set(users))}): subclass it (class MyEvent extends Event.define({...}) {}) or pass define(shape, { name: "MyEvent" })`,
      );
    }
    const name = eventTypeName(cls);
    const other = eventsByType.get(name);
    if (other !== undefined && other !== cls) {
      if (validate) {
        problems.push(
          `Two event classes share the type name ${name} (used by ${list(new Set(users))}): type names must be unique; set static typeName on one of them`,
        );
      }
      continue;
    }
    eventsByType.set(name, cls);
  }

  if (problems.length > 0) {
    throw new WorkflowValidationError(problems.map((p) => `${workflowName}: ${p}`));
  }
  if (stateSchema !== undefined) {
    // Each run's store starts from the schema's defaults: every field needs one.
    const initial = stateSchema.safeParse({});
    if (!initial.success) {
      throw new WorkflowValidationError(
        `${workflowName}: static state must give every field a default (or make it optional): ${initial.error.issues.map((i) => i.path.join(".")).join(", ")}`,
        { cause: initial.error },
      );
    }
  }
  const needsServices = steps.some((s) => s.definition.services.length > 0);
  const external = [...new Set([...externals, ...consumers.keys()])].filter(
    (c) => !isStart(c) && !isStop(c),
  );
  return {
    workflowName,
    steps,
    byName,
    routes,
    startClass,
    eventsByType,
    external,
    stateSchema,
    needsServices,
    routeCache: new Map(),
  };
}

function push(map: Map<EventClass, string[]>, cls: EventClass, name: string): void {
  const l = map.get(cls);
  if (l === undefined) map.set(cls, [name]);
  else if (!l.includes(name)) l.push(name);
}

/** `static externalEvents`: event classes only, never a start or stop event. */
function checkExternalEvents(value: unknown, problems: string[]): Set<EventClass> {
  const out = new Set<EventClass>();
  if (!Array.isArray(value)) {
    problems.push(
      `static externalEvents must be an array of event classes (static externalEvents = [Approval]); got ${describeValue(value)}`,
    );
    return out;
  }
  value.forEach((cls: unknown, i) => {
    if (!isEventClass(cls)) {
      problems.push(`static externalEvents[${i}] is not an event class; got ${describeValue(cls)}`);
    } else if (isStart(cls) || isStop(cls)) {
      problems.push(
        `static externalEvents lists ${eventTypeName(cls)}, a ${isStart(cls) ? "start" : "stop"} event: a run's start event comes from run(), its stop event from a step; remove it`,
      );
    } else out.add(cls);
  });
  return out;
}
