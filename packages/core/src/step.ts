import type { Context } from "./context.js";
import { WorkflowValidationError } from "./errors.js";
import { type Event, type EventClass, eventTypeName, isEventClass } from "./event.js";
import { shown, unknownKeyProblems } from "./option-keys.js";
import type { RetryPolicy } from "./retry-policy.js";

/** What a step handler may return: an event, nothing, or a promise of either. */
export type StepReturn<E extends Event> = E | void | null | PromiseLike<E | void | null>;

/** The nested workflows a step asked for with `services`, by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StepServices = Readonly<Record<string, any>>;

/** A step's function: `(event, ctx, services) => event | nothing`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StepHandler<A extends Event = any, E extends Event = any, S = any> = (
  event: A,
  ctx: Context<S>,
  services: StepServices,
) => StepReturn<E>;

/** Options of {@link step}. */
export interface StepOptions<
  A extends readonly EventClass[] = readonly EventClass[],
  E extends readonly EventClass[] = readonly EventClass[],
> {
  /** The event classes this step handles; routing is by exact class. */
  readonly accepts: A;
  /** Every event class the step may return or send; validation and drawings read this. */
  readonly emits: E;
  /** How many invocations of this step may run at once. Default 4. */
  readonly numWorkers?: number;
  /** Retry policy for failed attempts (see `@eventloom/retry`). */
  readonly retry?: RetryPolicy;
  /** Milliseconds allowed per attempt; the attempt then fails with `StepTimeoutError`. */
  readonly timeout?: number;
  /** The step's name, for unbound steps; otherwise the property key. */
  readonly name?: string;
  /** Names of services (nested workflows) injected as the handler's third argument. */
  readonly services?: readonly string[];
}

const STEP = Symbol.for("eventloom.step");

/** A declared step: what `step()` returns, and what `Workflow.addStep` takes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface StepDefinition<A extends Event = any, E extends Event = any, S = any> {
  readonly [STEP]: true;
  /** The explicit name, if one was given; otherwise the workflow names the step by its key. */
  readonly name: string | undefined;
  readonly accepts: readonly EventClass[];
  readonly emits: readonly EventClass[];
  readonly numWorkers: number;
  readonly retry: RetryPolicy | undefined;
  readonly timeout: number | undefined;
  readonly services: readonly string[];
  readonly handler: StepHandler<A, E, S>;
}

type Instances<T extends readonly EventClass[]> = InstanceType<T[number]>;

/**
 * Compile-time `emits` check of a decorated method's return type: events in `emits` pass, and so
 * does a broad declared type (`Promise<Event | void>`), which DESIGN allows so that a subclass can
 * override the method with other emits (the run-time check still guards it). Anything else is an
 * error that names the offending event classes.
 */
type EmitsCheck<R, E extends Event> = [Awaited<R>] extends [E | void | null | undefined]
  ? unknown
  : Event extends Awaited<R>
    ? unknown
    : {
        readonly "returns an event class that is not in emits": Exclude<
          Awaited<R>,
          E | void | null
        >;
      };

/** The decorator returned by `step(options)`: TC39 standard or legacy `experimentalDecorators`. */
export interface StepDecorator<A extends Event, E extends Event> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <This, F extends (this: This, event: A, ...rest: any[]) => unknown>(
    value: F & EmitsCheck<ReturnType<F>, E>,
    context: ClassMethodDecoratorContext<This, F>,
  ): F | void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <F extends (event: A, ...rest: any[]) => unknown>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<F> & EmitsCheck<ReturnType<F>, E>,
  ): void;
}

/**
 * Declares a step. Three forms, one {@link StepDefinition}:
 *
 * @example
 * class MyWorkflow extends Workflow {
 *   // a step field: `ev` is inferred from `accepts`
 *   start = step({ accepts: [StartEvent], emits: [StopEvent] }, (ev) => new StopEvent({ result: 1 }));
 *   // a decorated method
 *   @step({ accepts: [Ping], emits: [StopEvent] })
 *   async ping(ev: Ping, ctx: Context) { return new StopEvent({ result: ev.n }); }
 * }
 * // an unbound step
 * MyWorkflow.addStep(step({ name: "audit", accepts: [Audit], emits: [] }, (ev) => {}));
 */
export function step<
  const A extends readonly EventClass[],
  const E extends readonly EventClass[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  S = any,
>(
  options: StepOptions<A, E>,
  handler: StepHandler<Instances<A>, Instances<E>, S>,
): StepDefinition<Instances<A>, Instances<E>, S>;
export function step<const A extends readonly EventClass[], const E extends readonly EventClass[]>(
  options: StepOptions<A, E>,
): StepDecorator<Instances<A>, Instances<E>>;
export function step(
  options: StepOptions,
  handler?: StepHandler,
): StepDefinition | StepDecorator<Event, Event> {
  // A bare `@step` calls step(method, context) (TC39), or step(prototype, key, descriptor)
  // (legacy: the key arrives as `handler`).
  if (
    typeof options === "function" ||
    typeof (handler as unknown) === "string" ||
    typeof (handler as unknown) === "symbol"
  ) {
    throw new WorkflowValidationError(
      "@step must be called with its options: write @step({ accepts: [...], emits: [...] }), not a bare @step",
    );
  }
  const base = normalizeOptions(options, handler);
  if (handler !== undefined) return { ...base, handler };
  return makeDecorator(base);
}

type StepBase = Omit<StepDefinition, "handler">;

const STEP_KEYS = [
  "accepts",
  "emits",
  "numWorkers",
  "retry",
  "timeout",
  "name",
  "services",
] as const satisfies readonly (keyof StepOptions)[];

function normalizeOptions(options: StepOptions, handler: unknown): StepBase {
  const where = options?.name ? `step ${options.name}` : "step()";
  const fail = (msg: string): never => {
    throw new WorkflowValidationError(`${where}: ${msg}`);
  };
  if (options === null || typeof options !== "object")
    fail("options must be an object { accepts, emits, ... }");
  if (handler !== undefined && typeof handler !== "function")
    fail(`the handler must be a function; got ${typeof handler}`);
  const unknown = unknownKeyProblems(options, STEP_KEYS);
  if (unknown.length > 0) fail(unknown.join("; "));
  const { accepts, emits, numWorkers = 4, retry, timeout, name, services = [] } = options;
  if (!Array.isArray(accepts) || accepts.length === 0) {
    fail("`accepts` must be a non-empty array of event classes, e.g. accepts: [StartEvent]");
  }
  checkEventClasses(accepts, "accepts", fail);
  if (!Array.isArray(emits))
    fail("`emits` must be an array of event classes (use [] for a step that emits nothing)");
  checkEventClasses(emits, "emits", fail);
  if (!Number.isInteger(numWorkers) || numWorkers < 1)
    fail(`numWorkers must be an integer >= 1; got ${shown(numWorkers)}`);
  if (
    timeout !== undefined &&
    !(typeof timeout === "number" && timeout > 0 && Number.isFinite(timeout))
  ) {
    fail(`timeout must be a positive number of milliseconds; got ${shown(timeout)}`);
  }
  if (
    retry !== undefined &&
    (retry === null || typeof (retry as RetryPolicy).next !== "function")
  ) {
    fail("retry must be a RetryPolicy (an object with next(info)); see @eventloom/retry");
  }
  if (name !== undefined && (typeof name !== "string" || name.length === 0))
    fail("name must be a non-empty string");
  if (!Array.isArray(services) || services.some((s) => typeof s !== "string" || s.length === 0)) {
    fail("services must be an array of service names");
  }
  return {
    [STEP]: true,
    name,
    accepts: Object.freeze([...accepts]),
    emits: Object.freeze([...emits]),
    numWorkers,
    retry,
    timeout,
    services: Object.freeze([...services]),
  };
}

function checkEventClasses(
  list: readonly unknown[],
  key: string,
  fail: (msg: string) => never,
): void {
  list.forEach((cls, i) => {
    if (!isEventClass(cls)) {
      const what = typeof cls === "function" ? `class ${cls.name || "(anonymous)"}` : String(cls);
      fail(
        `${key}[${i}] is ${what}, not an event class: pass classes that extend Event (Event.define(...))`,
      );
    }
  });
  const names = list.map((c) => eventTypeName(c as EventClass));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) fail(`${key} lists ${dup} twice`);
}

function makeDecorator(base: StepBase): StepDecorator<Event, Event> {
  return function stepDecorator(...args: unknown[]): void | (() => unknown) {
    const [value, second, descriptor] = args;
    if (args.length === 2 && typeof second === "object" && second !== null && "kind" in second) {
      const ctx = second as ClassMemberDecoratorContext;
      const key = String(ctx.name);
      if (ctx.kind !== "method") {
        throw new WorkflowValidationError(
          `@step can decorate methods only, but ${key} is a ${ctx.kind}. For a field write ${key} = step({ ... }, (ev, ctx) => ...)`,
        );
      }
      if (ctx.static || ctx.private) {
        throw new WorkflowValidationError(
          `@step cannot decorate the ${ctx.static ? "static" : "private"} method ${key}: steps are public instance methods`,
        );
      }
      markMethod(value as StepHandler, base, key);
      return value as () => unknown;
    }
    if (
      args.length === 3 ||
      (args.length === 2 && (typeof second === "string" || typeof second === "symbol"))
    ) {
      const key = String(second);
      const desc = descriptor as PropertyDescriptor | undefined;
      if (typeof value === "function") {
        throw new WorkflowValidationError(
          `@step cannot decorate the static method ${key}: steps are instance methods`,
        );
      }
      if (desc === undefined || typeof desc.value !== "function") {
        throw new WorkflowValidationError(
          `@step can decorate methods only, but ${key} is not a method. For a field write ${key} = step({ ... }, (ev, ctx) => ...)`,
        );
      }
      markMethod(desc.value as StepHandler, base, key);
      return;
    }
    throw new WorkflowValidationError(
      "@step(...) was applied to something that is not a class method",
    );
  } as StepDecorator<Event, Event>;
}

function markMethod(fn: StepHandler, base: StepBase, key: string): void {
  Object.defineProperty(fn, STEP, { value: { ...base, handler: fn }, configurable: true });
  void key;
}

/** True when `value` is a {@link StepDefinition}. */
export function isStepDefinition(value: unknown): value is StepDefinition {
  return (
    typeof value === "object" && value !== null && (value as { [STEP]?: unknown })[STEP] === true
  );
}

/** The step definition a decorated method carries, if any. */
export function methodStepDefinition(fn: unknown): StepDefinition | undefined {
  if (typeof fn !== "function") return undefined;
  const def = (fn as { [STEP]?: StepDefinition })[STEP];
  return def !== undefined && isStepDefinition(def) ? def : undefined;
}
