// Events: the base class, the built-in events, `define()`, and what tools ask of an event class.
import { z } from "zod";
import { EventValidationError, WorkflowValidationError } from "./errors.js";
import {
  type PlainShape,
  canCompile,
  plainCheck,
  plainCode,
  plainShape,
} from "./internal/plain-shape.js";

/** A zod object shape: the fields of an event. */
export type EventShape = z.core.$ZodShape;

/** The JSON form of an event: its type name and its data. */
export interface EventJSON {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** Options of {@link Event.define}. */
export interface DefineEventOptions {
  /** The type name; required when the returned class is used directly, without a subclass. */
  readonly name?: string;
}

/** Any event class: what `accepts` and `emits` take. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventClass<E extends Event = Event> = abstract new (...args: any[]) => E;

const SCHEMA = Symbol.for("eventloom.event.schema");
const DEFINED = Symbol.for("eventloom.event.defined");
const PLAIN = Symbol.for("eventloom.event.plain");
const INIT = Symbol.for("eventloom.event.init");
/** Passed up by a compiled constructor that has already checked and copied the data itself. */
const INITIALIZED: unique symbol = Symbol("eventloom.event.initialized");
declare const START_BRAND: unique symbol;
declare const STOP_BRAND: unique symbol;
declare const INPUT_TYPE: unique symbol;

/** The input type of a `define()`d event's constructor (type-level only). */
export type EventInput<E> = E extends { readonly [INPUT_TYPE]?: infer I } ? I : never;

interface EventClassInternals {
  [SCHEMA]?: z.ZodObject;
  [PLAIN]?: PlainShape | undefined;
  /** Validates data and copies it onto a new event (classes made by `define()`). */
  [INIT]?: EventInit;
  [DEFINED]?: { name: string | undefined };
  typeName?: string;
  name: string;
}

/**
 * The base of every event. Events are plain data with a class: steps accept and emit them by
 * class, and each serializes to `{ type, data }`.
 *
 * Declare events with {@link Event.define}, which validates the data with a zod schema:
 *
 * @example
 * class SecondStepEvent extends Event.define({ payload: z.string() }) {}
 * const ev = new SecondStepEvent({ payload: "hi" });
 * ev.payload; // string
 */
export class Event {
  /**
   * The event's type name in JSON, logs, spans and drawings. Defaults to the class name; set it
   * where a bundler may minify class names.
   */
  declare static typeName?: string;

  constructor(data?: object) {
    if (data === (INITIALIZED as unknown)) return;
    // One lookup per event: the class's own check-and-copy, or none (fields taken as given).
    const init = (new.target as unknown as EventClassInternals)[INIT];
    if (init !== undefined) init(this, data, new.target as unknown as EventClass);
    else if (data !== undefined && data !== null) Object.assign(this, data);
  }

  /**
   * Declares an event type whose data is validated by a zod object schema.
   * Returns a base class: `class MyEvent extends Event.define({ ... }) {}`.
   */
  static define<S extends EventShape>(
    shape: S,
    options?: DefineEventOptions,
  ): DefinedEventClass<Event, S> {
    return defineEventClass(Event, shape, options) as unknown as DefinedEventClass<Event, S>;
  }

  /** `{ type, data }`: everything needed to revive the event with `workflow.reviveEvent`. */
  toJSON(): EventJSON {
    return {
      type: eventTypeName(this.constructor as EventClass),
      data: { ...(this as object) } as Record<string, unknown>,
    };
  }
}

/** A class made by `X.define(shape)`: its constructor validates `z.input` and yields `z.output`. */
export interface DefinedEventClass<Base, S extends EventShape> {
  new (
    data: z.input<z.ZodObject<S>>,
  ): Base &
    Readonly<z.output<z.ZodObject<S>>> & { readonly [INPUT_TYPE]?: z.input<z.ZodObject<S>> };
  /** The zod schema that validates the event's data. */
  readonly schema: z.ZodObject<S>;
  typeName?: string;
}

/** The instance side of a start event, without the index signature of the plain one. */
export interface StartEventBase extends Event {
  readonly [START_BRAND]: true;
}

/**
 * The event a run starts with. Plain `new StartEvent({ ... })` carries arbitrary fields typed
 * `unknown` (read `ev["payload"]`); `StartEvent.define(shape)` makes a typed start event.
 *
 * @example
 * class TradeStart extends StartEvent.define({ stock: z.string() }) {}
 */
export class StartEvent extends Event implements StartEventBase {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "StartEvent";
  declare readonly [START_BRAND]: true;
  [key: string]: unknown;
  constructor(data: object = {}) {
    super(data);
  }
  static override define<S extends EventShape>(
    shape: S,
    options?: DefineEventOptions,
  ): DefinedEventClass<StartEventBase, S> {
    return defineEventClass(StartEvent, shape, options) as unknown as DefinedEventClass<
      StartEventBase,
      S
    >;
  }
}

/** The instance side of every stop event, plain or custom. */
export interface StopEventBase extends Event {
  readonly [STOP_BRAND]: true;
}

/**
 * The event that ends a run. A run resolves to `ev.result` for a plain `StopEvent`, and to the
 * event itself for a custom `StopEvent.define(shape)` class.
 */
export class StopEvent<R = unknown> extends Event implements StopEventBase {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "StopEvent";
  declare readonly [STOP_BRAND]: true;
  declare readonly result: R;
  constructor(data: { result?: R } = {}) {
    super(data);
  }
  static override define<S extends EventShape>(
    shape: S,
    options?: DefineEventOptions,
  ): DefinedEventClass<StopEventBase, S> {
    return defineEventClass(StopEvent, shape, options) as unknown as DefinedEventClass<
      StopEventBase,
      S
    >;
  }
}

/** Human in the loop: a step asks for input. Written to the stream; routed if a step accepts it. */
export class InputRequiredEvent extends Event {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "InputRequiredEvent";
  [key: string]: unknown;
  constructor(data: object = {}) {
    super(data);
  }
  static override define<S extends EventShape>(
    shape: S,
    options?: DefineEventOptions,
  ): DefinedEventClass<InputRequiredEvent, S> {
    return defineEventClass(InputRequiredEvent, shape, options) as unknown as DefinedEventClass<
      InputRequiredEvent,
      S
    >;
  }
}

/** Human in the loop: the answer, sent into a running workflow with `handler.sendEvent`. */
export class HumanResponseEvent extends Event {
  /** Stable under minifiers: bundles keep the built-in type names. */
  static override typeName = "HumanResponseEvent";
  [key: string]: unknown;
  constructor(data: object = {}) {
    super(data);
  }
  static override define<S extends EventShape>(
    shape: S,
    options?: DefineEventOptions,
  ): DefinedEventClass<HumanResponseEvent, S> {
    return defineEventClass(HumanResponseEvent, shape, options) as unknown as DefinedEventClass<
      HumanResponseEvent,
      S
    >;
  }
}

function defineEventClass(base: typeof Event, shape: EventShape, options?: DefineEventOptions) {
  if (shape === null || typeof shape !== "object") {
    throw new WorkflowValidationError(
      `${base.name}.define(shape) needs an object of zod schemas, e.g. { payload: z.string() }; got ${String(shape)}`,
    );
  }
  const schema = z.object(shape);
  const name = options?.name;
  const plain = plainShape(schema);
  const init = eventInit(schema, plain);
  // A plain shape gets a constructor of its own: the check and copy inline, so constructing an
  // event at a given `new` site is a monomorphic, inlinable call. Others share Event's.
  const Defined =
    (plain !== undefined && canCompile() && compiledClass(base, plain, init)) ||
    class extends base {};
  Object.defineProperty(Defined, "name", { value: name ?? `${base.name}.define()` });
  Object.defineProperty(Defined, "schema", { value: schema, enumerable: true });
  (Defined as unknown as EventClassInternals)[SCHEMA] = schema;
  (Defined as unknown as EventClassInternals)[PLAIN] = plain;
  (Defined as unknown as EventClassInternals)[INIT] = init;
  (Defined as unknown as EventClassInternals)[DEFINED] = { name };
  return Defined;
}

/**
 * `class extends base` whose constructor checks a plain shape's data and copies it (valid data)
 * or hands it to zod (`parse`, which throws the validation error); undefined where the platform
 * refuses code generation.
 */
function compiledClass(
  base: typeof Event,
  plain: PlainShape,
  parse: EventInit,
): typeof Event | undefined {
  const body = plainCode(
    plain.keys,
    plain.types,
    "this",
    "{ parse(this, d, new.target); return; }",
  );
  try {
    return new Function(
      "base",
      "INITIALIZED",
      "parse",
      `return class extends base {\nconstructor(d) {\nsuper(INITIALIZED);\n${body}\n}\n};`,
    )(base, INITIALIZED, parse) as typeof Event;
  } catch {
    return undefined;
  }
}

/** Validates an event's data and copies the parsed fields onto it; throws EventValidationError. */
type EventInit = (target: Event, data: unknown, cls: EventClass) => void;

function eventInit(schema: z.ZodObject, plain: PlainShape | undefined): EventInit {
  const parse: EventInit = (target, data, cls) => {
    const parsed = schema.safeParse(data ?? {});
    if (!parsed.success) throw new EventValidationError(eventTypeName(cls), parsed.error);
    Object.assign(target, parsed.data);
  };
  if (plain === undefined) return parse;
  // Valid plain data is copied by the class's own check; zod parses (and reports) the rest.
  return plainCheck(plain.keys, plain.types, canCompile(), parse);
}

/**
 * The type name of an event class: its own `static typeName`; else, for a class returned by
 * `define()` used directly, the `name` option; else the class's own name.
 */
export function eventTypeName(cls: EventClass): string {
  const c = cls as unknown as EventClassInternals;
  if (Object.hasOwn(c, "typeName") && typeof c.typeName === "string") return c.typeName;
  if (Object.hasOwn(c, DEFINED)) return c[DEFINED]!.name ?? "(unnamed define() class)";
  return c.name;
}

/** True for a class returned by `define()` used directly with no `name` (validation rejects it). */
export function isUnnamedDefinedClass(cls: EventClass): boolean {
  const c = cls as unknown as EventClassInternals;
  return (
    Object.hasOwn(c, DEFINED) && c[DEFINED]!.name === undefined && !Object.hasOwn(c, "typeName")
  );
}

/** The zod schema of an event class, if it was declared with `define()`. */
export function eventSchema(cls: EventClass): z.ZodObject | undefined {
  return (cls as unknown as EventClassInternals)[SCHEMA];
}

/** True when `value` is an event class (`Event` or a subclass). */
export function isEventClass(value: unknown): value is EventClass {
  return typeof value === "function" && (value === Event || value.prototype instanceof Event);
}
