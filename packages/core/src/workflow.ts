import type { z } from "zod";
import { type LoadedRun, journalOf, liveRun, loadOrphans, loadRun } from "./durable.js";
import {
  type Event,
  type EventClass,
  type EventInput,
  type EventJSON,
  type StartEventBase,
  type StopEventBase,
  StartEvent,
  type StopEvent,
} from "./event.js";
import { addUnboundStep, collectSteps, stepsVersion } from "./internal/collect-steps.js";
import { runTrace } from "./internal/default-tracer.js";
import { type WorkflowPlan, buildPlan } from "./internal/plan.js";
import { nestedLimits } from "./internal/nested-limits.js";
import { reviveEventOf } from "./internal/revive-event.js";
import { buildStartEvent, checkServices, storeFromContext } from "./internal/start-event.js";
import type { Journal } from "./journal.js";
import { reviveSnapshot } from "./runtime/restore.js";
import { type RunSettings, settingsOf } from "./runtime/run-settings.js";
import type { RunSnapshot } from "./runtime/snapshot.js";
import type { StepView } from "./runtime/step-view.js";
import { type StepDefinition, type StepHandler, type StepOptions, step } from "./step.js";
import { WorkflowHandler } from "./workflow-handler.js";
import {
  NO_RUN_OPTIONS,
  type ResumeOptions,
  type RunOptions,
  type WorkflowOptions,
  runTimeout,
  servicesOf,
  validateResumeOptions,
  validateRunOptions,
  validateWorkflowOptions,
} from "./workflow-options.js";

export type { ResumeOptions, RunOptions, WorkflowOptions } from "./workflow-options.js";

// `ctx.workflow` is a Workflow: context.ts declares the interface, this file fills it in.
declare module "./context.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ContextWorkflow extends Workflow {}
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
    this.services = servicesOf(this.constructor.name, options);
  }

  /**
   * A base class whose store is typed by `schema` (it becomes the class's `static state`): steps
   * declared with `this.step(...)` get `ctx.store` typed, with no `Context<S>` annotation.
   *
   * @example
   * class Counter extends Workflow.withState(z.object({ count: z.number().default(0) })) {
   *   bump = this.step({ accepts: [StartEvent], emits: [StopEvent] }, async (_ev, ctx) => {
   *     const count = (await ctx.store.get("count")) + 1; // number
   *     await ctx.store.set("count", count);
   *     return new StopEvent({ result: count });
   *   });
   * }
   */
  static withState<Schema extends z.ZodObject>(schema: Schema): StatefulWorkflowClass<Schema> {
    const Stateful = class extends this {
      static override state = schema;
      step(options: StepOptions, handler: StepHandler): StepDefinition {
        return step(options, handler);
      }
    };
    return Stateful as unknown as StatefulWorkflowClass<Schema>;
  }

  /**
   * Adds an unbound step to this class (and its subclasses), like the Python original's
   * `@step(workflow=MyWorkflow)`. The step's name is `name` or the handler's function name.
   */
  static addStep(definition: StepDefinition): void {
    addUnboundStep(this, Workflow, definition);
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
    const opts =
      options === undefined ? NO_RUN_OPTIONS : validateRunOptions(plan.workflowName, options);
    const startEvent = buildStartEvent(plan, input);
    const store = opts.context === undefined ? undefined : storeFromContext(plan, opts.context);
    const parent = opts.parent as StepView | undefined;
    const handler = new WorkflowHandler<RunResult<W>>({
      settings: this.#settingsFor(plan),
      startEvent,
      ...nestedLimits(parent, runTimeout(opts.timeout, this.options.timeout), opts.signal),
      stepwise: opts.stepwise === true,
      ...runTrace(this.options.tracer, parent),
      journal: this.options.journal,
      runId: opts.runId,
      store,
    });
    // The parent's snapshot names the runs its invocation started (see `nested`).
    if (parent !== undefined)
      (parent.nested ??= []).push({ workflow: plan.workflowName, runId: handler.runId });
    return handler;
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
    const o = validateResumeOptions(plan.workflowName, options);
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
    const timeoutMs = runTimeout(o.timeout, this.options.timeout);
    return new WorkflowHandler<RunResult<W>>({
      settings: this.#settingsFor(plan),
      startEvent: revived.input,
      timeoutMs,
      stepwise: o.stepwise ?? revived.stepwise,
      // A settled run only gives back its outcome: nothing to trace.
      ...runTrace(this.options.tracer, undefined, revived.status !== "running"),
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
    const found = await loadOrphans(plan, journal, (json) => this.reviveEvent(json));
    return found.map(({ runId, loaded }) =>
      this.#durableHandler(plan, {}, { runId, journal, load: Promise.resolve(loaded) }),
    );
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
    return new WorkflowHandler<RunResult<W>>({
      settings: this.#settingsFor(plan),
      startEvent: new StartEvent({}),
      timeoutMs: runTimeout(o.timeout, this.options.timeout),
      stepwise: o.stepwise ?? false,
      ...runTrace(this.options.tracer, undefined),
      signal: o.signal,
      runId: durable.runId,
      journal: durable.journal,
      load: durable.load,
    });
  }

  /** What all runs of this instance share, made once per plan. */
  #settingsFor(plan: WorkflowPlan): RunSettings {
    if (this.#settings?.plan !== plan) this.#settings = settingsOf(this, plan, this.services);
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
    return reviveEventOf(this[PLAN](), json);
  }

  /**
   * @internal The validated, routed form of this instance's steps; built once and cached. Keyed
   * by a symbol, so no step name (a field step called `plan`, say) can shadow it.
   */
  [PLAN](): WorkflowPlan {
    if (this.#plan === undefined || this.#planVersion !== stepsVersion()) {
      const cls = this.constructor as typeof Workflow;
      this.#plan = buildPlan(
        this.workflowName,
        collectSteps(this, Workflow),
        cls.state,
        this.options.disableValidation !== true,
        cls.externalEvents ?? [],
      );
      this.#planVersion = stepsVersion();
    }
    return this.#plan;
  }
}

/** An instance of a `Workflow.withState(schema)` class: `this.step` types `ctx.store` as `S`. */
export interface StatefulWorkflow<S> extends Workflow {
  /** `step(options, handler)` with `ctx.store` typed by the class's state schema. */
  step<const A extends readonly EventClass[], const E extends readonly EventClass[]>(
    options: StepOptions<A, E>,
    handler: StepHandler<InstanceType<A[number]>, InstanceType<E[number]>, S>,
  ): StepDefinition<InstanceType<A[number]>, InstanceType<E[number]>, S>;
}

/** What `Workflow.withState(schema)` returns: extend it. */
export type StatefulWorkflowClass<Schema extends z.ZodObject> = Omit<
  typeof Workflow,
  "prototype"
> & {
  readonly state: Schema;
  new (options?: WorkflowOptions): StatefulWorkflow<z.output<Schema>>;
};

export type { EventClass };
