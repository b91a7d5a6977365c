import {
  type Context as OtelContext,
  type Tracer,
  type TracerProvider,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  context as otelContext,
  trace,
} from "@opentelemetry/api";
import type { z } from "zod";
import { EventValidationError, WorkflowRuntimeError, WorkflowValidationError } from "./errors.js";
import {
  Event,
  type EventClass,
  type EventInput,
  type EventJSON,
  type StartEventBase,
  type StopEventBase,
  StartEvent,
  StopEvent,
} from "./event.js";
import { type CollectedStep, type WorkflowPlan, buildPlan } from "./internal/plan.js";
import { type LoadedRun, journalOf, liveRun, loadRun, orphanedRuns } from "./durable.js";
import { RunOwnedError } from "./errors.js";
import type { Journal } from "./journal.js";
import { reviveSnapshot } from "./runtime/restore.js";
import { RunSettings } from "./runtime/run-settings.js";
import type { RunSnapshot } from "./runtime/snapshot.js";
import type { StepView } from "./runtime/step-view.js";
import { type StepDefinition, isStepDefinition, methodStepDefinition } from "./step.js";
import { VERSION } from "./version.js";
import { WorkflowHandler } from "./workflow-handler.js";
import type { Context } from "./context.js";

// `ctx.workflow` is a Workflow: context.ts declares the interface, this file fills it in.
declare module "./context.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ContextWorkflow extends Workflow {}
}

/** Options of a {@link Workflow} instance. */
export interface WorkflowOptions {
  /** Milliseconds for a whole run; default 45 000; `null` disables it. */
  readonly timeout?: number | null;
  /** Log `Running step X` / `Step X produced event Y` to `logger`. */
  readonly verbose?: boolean;
  /** Skip the graph checks at the first `run()`. */
  readonly disableValidation?: boolean;
  /** Where verbose lines go; default `console.log`. */
  readonly logger?: (message: string) => void;
  /** The OpenTelemetry tracer; default `trace.getTracer("@eventloom/core", version)`. */
  readonly tracer?: Tracer;
  /**
   * How many step invocations `handler.history` records per run (default 1000; `Infinity` for
   * all). Invocations past the limit are only counted (`handler.historyDropped`).
   */
  readonly historyLimit?: number;
  /** Record exceptions on failed spans (`span.recordException`); default true. */
  readonly recordExceptions?: boolean;
  /**
   * Record each step's input event on its span as `eventloom.event.payload`: the event's fields
   * as JSON, cut to `maxLength` characters (default 256) with a trailing "…". Off by default:
   * payloads may hold personal data or secrets, and your tracing backend keeps what it receives.
   *
   * @example
   * new TradeWorkflow({ recordEventPayloads: { maxLength: 1024 } });
   */
  readonly recordEventPayloads?: boolean | { readonly maxLength: number };
  /**
   * Journal every run there (`sqliteJournal()` from @eventloom/sqlite, `postgresJournal()` from
   * @eventloom/postgres, core's `memoryJournal()`): each step boundary is durable before what
   * depends on it happens, and `recover()` resumes unfinished runs after a crash.
   */
  readonly journal?: Journal;
  /**
   * A `ServiceManager` (@eventloom/services), as the seed's `Workflow(service_manager=...)`: its
   * services map is this instance's `services`, shared, so services added later are seen too.
   */
  readonly serviceManager?: { readonly services: Map<string, unknown> };
}

/** The default `maxLength` of `recordEventPayloads: true`. */
const DEFAULT_PAYLOAD_LENGTH = 256;

/** Options of `workflow.resume()`. */
export interface ResumeOptions {
  /** Aborting it cancels the resumed run. */
  readonly signal?: AbortSignal;
  /** The resumed run's timeout (ms, or `null`); default the workflow's, counted afresh. */
  readonly timeout?: number | null;
  /** Drive the resumed run round by round; default: as the snapshotted run was. */
  readonly stepwise?: boolean;
}

/** Options of one `run()`. */
export interface RunOptions {
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal;
  /** Drive the run round by round with `handler.runStep()`. */
  readonly stepwise?: boolean;
  /** Overrides the workflow's timeout for this run (ms, or `null` for none). */
  readonly timeout?: number | null;
  /** The run's id (default a new UUID): a journaled run's id must be new to its journal. */
  readonly runId?: string;
  /**
   * The context of the step that starts this run as a nested run: the child inherits its
   * cancellation (`ctx.signal`) and never outlives its deadline.
   */
  readonly parent?: Context;
}

// --- types that follow the declared steps ----------------------------------------------------

type OwnKeys<W> = Exclude<keyof W, keyof Workflow>;
type EmittedBy<V> =
  V extends StepDefinition<infer _A, infer E>
    ? E
    : V extends (...args: never[]) => infer R
      ? Exclude<Awaited<R>, void | null | undefined>
      : never;
type AcceptedBy<V> =
  V extends StepDefinition<infer A, Event>
    ? A
    : V extends (event: infer A, ...rest: never[]) => unknown
      ? A
      : never;
type Emitted<W> = { [K in OwnKeys<W>]: EmittedBy<W[K]> }[OwnKeys<W>];
type Accepted<W> = { [K in OwnKeys<W>]: AcceptedBy<W[K]> }[OwnKeys<W>];
type StopOf<W> = Extract<Emitted<W>, StopEventBase>;
type StartOf<W> = Extract<Accepted<W>, StartEventBase>;

/** What `await workflow.run()` gives: `result` of a plain StopEvent, or the custom stop event. */
export type RunResult<W> = [StopOf<W>] extends [never]
  ? unknown
  : StopOf<W> extends StopEvent<infer R>
    ? R
    : StopOf<W>;

/** What `workflow.run(input)` takes: the typed start event's input, or any fields. */
export type RunInput<W> = [StartOf<W>] extends [never]
  ? Record<string, unknown>
  : StartOf<W> extends StartEvent
    ? Record<string, unknown>
    : [EventInput<StartOf<W>>] extends [never]
      ? Omit<StartOf<W>, keyof Event>
      : EventInput<StartOf<W>>;

// --- unbound steps registry --------------------------------------------------------------------

const UNBOUND = Symbol.for("eventloom.unboundSteps");
interface UnboundHolder {
  [UNBOUND]?: CollectedStep[];
}

/** @internal The key of a workflow's plan method (see `Workflow[PLAN]`). */
export const PLAN: unique symbol = Symbol("eventloom.workflow.plan");

/**
 * A workflow: a class whose steps accept and emit events. Declare steps as fields
 * (`name = step({...}, handler)`), as `@step` methods, or from outside with `addStep`.
 *
 * @example
 * class Hello extends Workflow {
 *   greet = step({ accepts: [StartEvent], emits: [StopEvent] },
 *     (ev) => new StopEvent({ result: `hello ${String(ev["name"])}` }));
 * }
 * await new Hello().run({ name: "world" }); // "hello world"
 */
export class Workflow {
  /** The workflow's name in spans and drawings; default the class name. */
  declare static workflowName?: string;
  /** A zod object for `ctx.store`: it starts from the defaults and every `set` is validated. */
  declare static state?: z.ZodObject;
  /**
   * Events that reach a run only from outside (`handler.sendEvent`, a bridge, the server):
   * validation treats them as produced, `reviveEvent` knows them, and a server accepts them.
   *
   * @example
   * class Approvals extends Workflow {
   *   static externalEvents = [Approval];
   * }
   */
  declare static externalEvents?: readonly EventClass[];

  readonly options: Readonly<WorkflowOptions>;
  /** Nested workflows (or other services) that steps request with `services: [name]`. */
  readonly services: Map<string, unknown>;
  #plan: WorkflowPlan | undefined;
  #planVersion = -1;
  #settings: RunSettings | undefined;

  constructor(options: WorkflowOptions = {}) {
    this.options = Object.freeze({ ...validateWorkflowOptions(this.constructor.name, options) });
    // The seed's Workflow(service_manager=...): the manager's services are the instance's.
    const manager = options.serviceManager;
    if (manager !== undefined && !(manager?.services instanceof Map)) {
      throw new WorkflowValidationError(
        `new ${this.constructor.name}(options): serviceManager must be a ServiceManager from @eventloom/services (an object with a services Map)`,
      );
    }
    this.services = manager?.services ?? new Map<string, unknown>();
  }

  /**
   * Adds an unbound step to this class (and its subclasses), like the Python original's
   * `@step(workflow=MyWorkflow)`. The step's name is `name` or the handler's function name.
   */
  static addStep(definition: StepDefinition): void {
    if (!isStepDefinition(definition)) {
      throw new WorkflowValidationError(
        `${this.name}.addStep() takes what step({ ... }, handler) returns`,
      );
    }
    const name = definition.name ?? definition.handler.name;
    if (!name) {
      throw new WorkflowValidationError(
        `${this.name}.addStep(): the step has no name: pass step({ name: "myStep", ... }, handler) or a named function`,
      );
    }
    const holder = this as unknown as UnboundHolder;
    const existing = collectUnbound(this);
    if (
      existing.some((s) => s.name === name) ||
      methodStepDefinition((this.prototype as unknown as Record<string, unknown>)[name])
    ) {
      throw new WorkflowValidationError(
        `${this.name}.addStep(): a step named ${name} already exists; choose another name`,
      );
    }
    if (!Object.hasOwn(holder, UNBOUND)) holder[UNBOUND] = [];
    holder[UNBOUND]!.push({ name, definition, handler: definition.handler, origin: "unbound" });
    unboundVersion++;
  }

  /** The workflow's name: `static workflowName` if declared, else the class name. */
  get workflowName(): string {
    const cls = this.constructor as typeof Workflow;
    return Object.hasOwn(cls, "workflowName") && cls.workflowName ? cls.workflowName : cls.name;
  }

  /**
   * Starts a run. Validation (first run only) and building the start event happen now, so bad
   * input throws here and no run starts.
   */
  run<W extends Workflow>(
    this: W,
    input?: RunInput<W> | Event,
    options?: RunOptions,
  ): WorkflowHandler<RunResult<W>> {
    const plan = this[PLAN]();
    if (plan.needsServices && this.options.disableValidation !== true)
      checkServices(plan, this.services, plan.workflowName);
    const opts = options === undefined ? NO_RUN_OPTIONS : validateRunOptions(plan, options);
    const startEvent = buildStartEvent(plan, input);
    const parent = opts.parent as StepView | undefined;
    let timeoutMs =
      opts.timeout !== undefined
        ? opts.timeout
        : this.options.timeout === undefined
          ? 45_000
          : this.options.timeout;
    let signal = opts.signal;
    if (parent !== undefined) {
      const deadline = parent.deadline;
      if (deadline !== null) {
        const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
        timeoutMs = timeoutMs === null ? remaining : Math.min(timeoutMs, remaining);
      }
      signal = signal === undefined ? parent.signal : AbortSignal.any([signal, parent.signal]);
    }
    const untraced = parent === undefined && this.options.tracer === undefined && !otelInUse();
    const traceParent = untraced ? ROOT_CONTEXT : traceParentOf(parent);
    return new WorkflowHandler<RunResult<W>>({
      settings: this.#settingsFor(plan),
      startEvent,
      timeoutMs,
      stepwise: opts.stepwise === true,
      // A nested run of a workflow with no tracer of its own traces with its parent's.
      tracer: untraced
        ? undefined
        : (this.options.tracer ?? parent?.tracer ?? defaultTracer(traceParent)),
      traceParent,
      signal,
      journal: this.options.journal,
      runId: opts.runId,
    });
  }

  /**
   * Continues a run from a snapshot (`await handler.snapshot()`, maybe saved as JSON and read
   * back in another process): same `runId`; queued events are delivered, invocations that were
   * in flight run again from their start (same `ctx.invocationId`, `ctx.retry.attempt` going
   * on), buffers and the store are restored, and no new start event is sent. A snapshot of a
   * settled run gives a settled handler with the same result or error. The run timeout starts
   * afresh (`options.timeout` overrides it).
   *
   * @example
   * const snap = await handler.snapshot();
   * await handler.cancel();
   * const again = new ApprovalWorkflow().resume(JSON.parse(JSON.stringify(snap)));
   * again.sendEvent(new Approval({ ok: true }));
   * await again;
   */
  resume<W extends Workflow>(
    this: W,
    snapshot: RunSnapshot | string,
    options?: ResumeOptions,
  ): WorkflowHandler<RunResult<W>> {
    const plan = this[PLAN]();
    const revive = (json: EventJSON) => this.reviveEvent(json);
    const o = options ?? {};
    if (typeof snapshot === "string") {
      // A run id: claimed and read from the journal; the handler exists at once.
      const journal = journalOf(this.options.journal, plan.workflowName, "resume(runId)");
      return this.#durableHandler(plan, o, {
        runId: snapshot,
        journal,
        load: loadRun(plan, journal, snapshot, revive),
      });
    }
    const revived = reviveSnapshot(plan, snapshot, revive);
    const timeoutMs =
      o.timeout !== undefined
        ? o.timeout
        : this.options.timeout === undefined
          ? 45_000
          : this.options.timeout;
    const settled = revived.status !== "running";
    const untraced = settled || (this.options.tracer === undefined && !otelInUse());
    const traceParent = untraced ? ROOT_CONTEXT : traceParentOf(undefined);
    return new WorkflowHandler<RunResult<W>>({
      settings: this.#settingsFor(plan),
      startEvent: revived.input,
      timeoutMs,
      stepwise: o.stepwise ?? revived.stepwise,
      tracer: untraced ? undefined : (this.options.tracer ?? defaultTracer(traceParent)),
      traceParent,
      signal: o.signal,
      restore: revived,
    });
  }

  /**
   * Claims and resumes every unfinished run of this workflow in its journal that no live owner
   * holds (after a crash or a deploy): a handler for each. A step invocation whose outcome was
   * journaled never runs again; one in flight at the crash runs again with the same
   * `ctx.invocationId`.
   *
   * @example
   * const handlers = await new OrderWorkflow({ journal }).recover();
   * await Promise.allSettled(handlers);
   */
  async recover<W extends Workflow>(this: W): Promise<WorkflowHandler<RunResult<W>>[]> {
    const plan = this[PLAN]();
    const journal = journalOf(this.options.journal, plan.workflowName, "recover()");
    const handlers: WorkflowHandler<RunResult<W>>[] = [];
    for (const runId of await orphanedRuns(journal, plan.workflowName)) {
      let loaded: LoadedRun;
      try {
        loaded = await loadRun(plan, journal, runId, (json) => this.reviveEvent(json));
      } catch (error) {
        // Taken by another process in the meantime: it is that one's to drive.
        if (error instanceof RunOwnedError) continue;
        throw error;
      }
      handlers.push(
        this.#durableHandler(plan, {}, { runId, journal, load: Promise.resolve(loaded) }),
      );
    }
    return handlers;
  }

  /**
   * Sends an event to a journaled run that may not be live in this process: delivered to it if
   * it runs here, else the run is claimed and resumed here first. Resolves once the event is
   * durable (it is then delivered). RunOwnedError when another live process drives the run.
   */
  async sendEvent(
    runId: string,
    event: Event,
    options?: { readonly step?: string },
  ): Promise<void> {
    const plan = this[PLAN]();
    const journal = journalOf(this.options.journal, plan.workflowName, "sendEvent(runId, event)");
    const live = liveRun(journal, runId);
    if (live !== undefined) return live.send(event, options?.step);
    const handler = this.resume(runId);
    await handler.whenLoaded();
    // Not found, owned elsewhere, or already ended: the handler says which.
    if (handler.isDone()) await handler;
    handler.sendEvent(event, options);
    await handler.whenDurable();
  }

  /** A handler of a journaled run that is read back (and claimed) asynchronously. */
  #durableHandler<W extends Workflow>(
    plan: WorkflowPlan,
    o: ResumeOptions,
    durable: { runId: string; journal: Journal; load: Promise<LoadedRun> },
  ): WorkflowHandler<RunResult<W>> {
    const timeoutMs =
      o.timeout !== undefined
        ? o.timeout
        : this.options.timeout === undefined
          ? 45_000
          : this.options.timeout;
    const untraced = this.options.tracer === undefined && !otelInUse();
    const traceParent = untraced ? ROOT_CONTEXT : traceParentOf(undefined);
    return new WorkflowHandler<RunResult<W>>({
      settings: this.#settingsFor(plan),
      startEvent: new StartEvent({}),
      timeoutMs,
      stepwise: o.stepwise ?? false,
      tracer: untraced ? undefined : (this.options.tracer ?? defaultTracer(traceParent)),
      traceParent,
      signal: o.signal,
      runId: durable.runId,
      journal: durable.journal,
      load: durable.load,
    });
  }

  /** What all runs of this instance share, made once per plan. */
  #settingsFor(plan: WorkflowPlan): RunSettings {
    if (this.#settings?.plan !== plan) {
      const o = this.options;
      const logger = o.logger;
      this.#settings = new RunSettings(
        this,
        plan,
        o.verbose === true,
        // console.log looked up at each call, so a test's spy on it sees the lines.
        logger ?? ((message: string) => console.log(message)),
        o.recordExceptions !== false,
        payloadMaxLength(o.recordEventPayloads),
        this.services,
        o.historyLimit ?? 1000,
        100_000,
        10_000,
      );
    }
    return this.#settings;
  }

  /**
   * The event classes a run of this workflow accepts from outside: `static externalEvents` and
   * every class some step accepts, never a start or stop event. (A class that a live invocation
   * waits for with `waitForEvent` is accepted by that run too.)
   */
  externalEventTypes(): readonly EventClass[] {
    return this[PLAN]().external;
  }

  /** Rebuilds (and validates) one of this workflow's events from its `toJSON()` form. */
  reviveEvent(json: EventJSON): Event {
    const plan = this[PLAN]();
    if (json === null || typeof json !== "object" || typeof json.type !== "string") {
      throw new WorkflowRuntimeError(
        `reviveEvent expects { type, data }; got ${JSON.stringify(json)}`,
      );
    }
    const cls = plan.eventsByType.get(json.type);
    if (cls === undefined) {
      throw new WorkflowRuntimeError(
        `${this.workflowName} has no event type "${json.type}" (known: ${[...plan.eventsByType.keys()].join(", ")})`,
      );
    }
    return new (cls as unknown as new (data: unknown) => Event)(json.data ?? {});
  }

  /**
   * @internal The validated, routed form of this instance's steps; built once and cached. Keyed
   * by a symbol, so no step name (a field step called `plan`, say) can shadow it.
   */
  [PLAN](): WorkflowPlan {
    if (this.#plan === undefined || this.#planVersion !== unboundVersion) {
      const cls = this.constructor as typeof Workflow;
      this.#plan = buildPlan(
        this.workflowName,
        collectSteps(this),
        cls.state,
        this.options.disableValidation !== true,
        cls.externalEvents ?? [],
      );
      this.#planVersion = unboundVersion;
    }
    return this.#plan;
  }
}

// Bumped by every addStep so that cached plans of any instance are rebuilt; a counter rather
// than per-class bookkeeping because addStep may target an ancestor of the instance's class.
let unboundVersion = 0;

function collectUnbound(cls: Function): CollectedStep[] {
  const out: CollectedStep[] = [];
  for (
    let c: unknown = cls;
    typeof c === "function" && c !== Workflow;
    c = Object.getPrototypeOf(c)
  ) {
    const own = Object.hasOwn(c, UNBOUND) ? (c as UnboundHolder)[UNBOUND]! : [];
    for (const s of own) if (!out.some((o) => o.name === s.name)) out.push(s);
  }
  return out;
}

/** Field steps, then decorated methods (most derived first), then unbound steps. */
function collectSteps(wf: Workflow): CollectedStep[] {
  const out: CollectedStep[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(wf)) {
    const value = (wf as unknown as Record<string, unknown>)[key];
    if (isStepDefinition(value)) {
      out.push({ name: key, definition: value, handler: value.handler, origin: "field" });
      seen.add(key);
    }
  }
  for (
    let proto = Object.getPrototypeOf(wf);
    proto !== null && proto !== Workflow.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || seen.has(key)) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key);
      const def = methodStepDefinition(desc?.value);
      if (def === undefined) continue;
      seen.add(key);
      // An undecorated override keeps the base's step options with the new body.
      const current = (wf as unknown as Record<string, unknown>)[key];
      const handler =
        typeof current === "function" ? (current as StepDefinition["handler"]) : def.handler;
      out.push({ name: key, definition: def, handler, origin: "method" });
    }
  }
  out.push(...collectUnbound(wf.constructor));
  return out;
}

function checkServices(
  plan: WorkflowPlan,
  services: ReadonlyMap<string, unknown>,
  name: string,
): void {
  for (const s of plan.steps) {
    for (const service of s.definition.services) {
      if (!services.has(service)) {
        throw new WorkflowValidationError(
          `${name}: step ${s.name} requests the service "${service}", but none is registered: add it with addWorkflows(workflow, { ${service}: instance }) from @eventloom/services, or workflow.services.set("${service}", instance)`,
        );
      }
    }
  }
}

function buildStartEvent(plan: WorkflowPlan, input: unknown): Event {
  const cls = plan.startClass;
  if (input instanceof Event) {
    if (input.constructor !== cls) {
      throw new WorkflowValidationError(
        `${plan.workflowName}.run() was given a ${input.constructor.name}, but the workflow starts with ${cls.name}`,
      );
    }
    return input;
  }
  if (
    input !== undefined &&
    (input === null || typeof input !== "object" || Array.isArray(input))
  ) {
    throw new WorkflowValidationError(
      `${plan.workflowName}.run(input): input must be an object of start event fields; got ${input === null ? "null" : Array.isArray(input) ? "an array" : typeof input}`,
    );
  }
  try {
    return new (cls as unknown as new (data: unknown) => Event)(input ?? {});
  } catch (e) {
    if (e instanceof EventValidationError) throw e;
    throw new WorkflowValidationError(
      `${plan.workflowName}.run(): could not build the start event: ${String(e)}`,
      { cause: e },
    );
  }
}

function validateWorkflowOptions(name: string, o: WorkflowOptions): WorkflowOptions {
  const problems: string[] = [];
  if (o === null || typeof o !== "object")
    throw new WorkflowValidationError(`new ${name}(options): options must be an object`);
  const t = o.timeout;
  if (t !== undefined && t !== null && !(typeof t === "number" && t > 0 && Number.isFinite(t))) {
    problems.push(`timeout must be a positive number of ms, or null for none; got ${String(t)}`);
  }
  if (o.verbose !== undefined && typeof o.verbose !== "boolean")
    problems.push("verbose must be a boolean");
  if (o.disableValidation !== undefined && typeof o.disableValidation !== "boolean")
    problems.push("disableValidation must be a boolean");
  if (o.logger !== undefined && typeof o.logger !== "function")
    problems.push("logger must be a function (message: string) => void");
  if (o.tracer !== undefined && (o.tracer === null || typeof o.tracer.startSpan !== "function"))
    problems.push("tracer must be an OpenTelemetry Tracer");
  const h = o.historyLimit;
  if (
    h !== undefined &&
    !(typeof h === "number" && h >= 0 && (Number.isInteger(h) || h === Infinity))
  ) {
    problems.push(`historyLimit must be an integer >= 0 or Infinity; got ${String(h)}`);
  }
  if (o.recordExceptions !== undefined && typeof o.recordExceptions !== "boolean")
    problems.push("recordExceptions must be a boolean");
  const payloads = o.recordEventPayloads as unknown;
  if (
    payloads !== undefined &&
    typeof payloads !== "boolean" &&
    !(
      typeof payloads === "object" &&
      payloads !== null &&
      Number.isInteger((payloads as { maxLength?: unknown }).maxLength) &&
      (payloads as { maxLength: number }).maxLength >= 1
    )
  ) {
    problems.push(
      `recordEventPayloads must be true, false or { maxLength: n } with an integer n >= 1; got ${JSON.stringify(payloads) ?? String(payloads)}`,
    );
  }
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `new ${name}(options): ${p}`));
  return o;
}

/**
 * Where `@opentelemetry/api` 1.x registers its globals (a tracer provider, a context manager);
 * core's peer dependency is `^1.9.0`, so this is the key every compatible API copy uses.
 */
const OTEL_GLOBALS = Symbol.for("opentelemetry.js.api.1");

/**
 * False when no OpenTelemetry SDK and no context manager is registered: then every span would
 * be a no-op and the active context is the root one, which a run can know without asking the
 * API (a handful of calls and a version check per run).
 */
function otelInUse(): boolean {
  const globals = (
    globalThis as Record<symbol, { trace?: unknown; context?: unknown } | undefined>
  )[OTEL_GLOBALS];
  return globals !== undefined && (globals.trace !== undefined || globals.context !== undefined);
}

let defaultProvider: TracerProvider | undefined;
let defaultTracerOfProvider: Tracer | undefined;
/** The API's no-op provider: what a proxy provider delegates to while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * `trace.getTracer("@eventloom/core", version)`, asked of the global provider again only when it
 * is replaced (`trace.disable()` then a new registration): the API makes a new proxy tracer per
 * call, which a run should not pay for. Undefined when no SDK is registered and no span context
 * comes from the parent: every span would be a no-op, so the run starts none.
 */
function defaultTracer(parent: OtelContext): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (
    provider instanceof ProxyTracerProvider &&
    provider.getDelegate() === NOOP_PROVIDER &&
    trace.getSpanContext(parent) === undefined
  ) {
    return undefined;
  }
  if (provider !== defaultProvider || defaultTracerOfProvider === undefined) {
    defaultProvider = provider;
    defaultTracerOfProvider = provider.getTracer("@eventloom/core", VERSION);
  }
  return defaultTracerOfProvider;
}

/**
 * The OpenTelemetry parent of a new run: the calling step's span for a nested run (so it nests
 * even where the async context was lost), else whatever span is active.
 */
function traceParentOf(parent: StepView | undefined): OtelContext {
  const active = otelContext.active();
  const span = parent?.span;
  return span === undefined ? active : trace.setSpan(active, span);
}

function payloadMaxLength(option: WorkflowOptions["recordEventPayloads"]): number | undefined {
  if (option === undefined || option === false) return undefined;
  return option === true ? DEFAULT_PAYLOAD_LENGTH : option.maxLength;
}

const NO_RUN_OPTIONS: RunOptions = Object.freeze({});

function validateRunOptions(plan: WorkflowPlan, o: RunOptions): RunOptions {
  const name = plan.workflowName;
  const problems: string[] = [];
  if (o === null || typeof o !== "object")
    throw new WorkflowValidationError(`${name}.run(input, options): options must be an object`);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal))
    problems.push("signal must be an AbortSignal");
  if (o.stepwise !== undefined && typeof o.stepwise !== "boolean")
    problems.push("stepwise must be a boolean");
  const t = o.timeout;
  if (t !== undefined && t !== null && !(typeof t === "number" && t > 0 && Number.isFinite(t)))
    problems.push("timeout must be a positive number of ms, or null");
  if (
    o.parent !== undefined &&
    (o.parent === null || typeof o.parent !== "object" || !("runId" in o.parent))
  )
    problems.push("parent must be a step's ctx");
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `${name}.run(): ${p}`));
  return o;
}

export type { EventClass };
