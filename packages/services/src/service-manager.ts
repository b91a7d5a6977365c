import {
  type Workflow,
  WorkflowRuntimeError,
  WorkflowValidationError,
  describeWorkflow,
} from "@eventloom/core";
import { addWorkflows } from "./add-workflows.js";

/** Makes a default service for `workflow` (called once per workflow that needs it). */
export type ServiceFactory<T = unknown> = (workflow: Workflow) => T;

/**
 * The services of one or more workflows (as the seed's `ServiceManager`), their defaults, and the
 * check that a workflow has every service its steps request.
 *
 * As in the seed's `Workflow(service_manager=...)`, `new MyWorkflow({ serviceManager })` makes
 * the manager's services the workflow's services: `manager.services` is the very `Map` that
 * becomes `workflow.services`, so `manager.add(name, wf)` reaches every workflow made with it,
 * and `addWorkflows(workflow, ...)` on such a workflow adds to the manager.
 *
 * `add(name, workflow)` / `get(name)` register and look up a service by name.
 *
 * Register a default per name once (`default(name, factory)`); then `addWorkflows(workflow,
 * { ... })` registers the instances you pass, fills every other requested service from its
 * default, and throws `WorkflowValidationError` naming each step and service that is still
 * missing, before any run starts. Explicit instances always win over defaults; a workflow's
 * services that are already registered are kept.
 *
 * @example
 * const services = new ServiceManager()
 *   .default("tradeStation", () => new TradeStation({ timeout: 10_000 }));
 * const monitor = services.addWorkflows(new ComplexTradeMonitorV2()); // gets a TradeStation
 * const paper = services.addWorkflows(new ComplexTradeMonitorV2(), { tradeStation: paperStation });
 */
export class ServiceManager {
  readonly #defaults = new Map<string, ServiceFactory>();

  /**
   * The registered services, by name. A workflow made with `new W({ serviceManager: this })`
   * uses this same map as its `workflow.services`.
   */
  readonly services = new Map<string, unknown>();

  /**
   * Registers `service` (a nested workflow instance, or any object) as `name`, replacing any
   * earlier one; as the seed's `service_manager.add(name, wf)`. Returns the manager.
   *
   * @example
   * const manager = new ServiceManager().add("tradeStation", new TradeStation());
   * const monitor = new ComplexTradeMonitorV2({ serviceManager: manager });
   */
  add(name: string, service: unknown): this {
    if (typeof name !== "string" || name.length === 0)
      throw new WorkflowValidationError(
        `ServiceManager.add(name, workflow): name must be a non-empty string; got ${describe(name)}`,
      );
    if (service === undefined || service === null)
      throw new WorkflowValidationError(
        `ServiceManager.add("${name}", workflow): the service is ${String(service)}: pass an instance (a nested workflow, or any object)`,
      );
    this.services.set(name, service);
    return this;
  }

  /**
   * The service registered as `name`; `defaultValue` when there is none and one is given (as
   * the seed's `get(name, default)`). Otherwise throws `WorkflowRuntimeError` naming the
   * services there are.
   */
  get<T = unknown>(name: string, defaultValue?: T): T {
    if (this.services.has(name)) return this.services.get(name) as T;
    if (defaultValue !== undefined) return defaultValue;
    const known = [...this.services.keys()].map((k) => `"${k}"`).join(", ");
    throw new WorkflowRuntimeError(
      `ServiceManager.get(${describe(name)}): no service is registered under that name (${known === "" ? "none is registered" : `registered: ${known}`}); add it with manager.add(${describe(name)}, instance)`,
    );
  }

  /** Registers the default of service `name`; a later call for the same name replaces it. */
  default<T>(name: string, factory: ServiceFactory<T>): this {
    if (typeof name !== "string" || name.length === 0)
      throw new WorkflowValidationError(
        `ServiceManager.default(name, factory): name must be a non-empty string`,
      );
    if (typeof factory !== "function")
      throw new WorkflowValidationError(
        `ServiceManager.default("${name}", factory): factory must be a function (workflow) => instance`,
      );
    this.#defaults.set(name, factory);
    return this;
  }

  /** True if service `name` has a default. */
  hasDefault(name: string): boolean {
    return this.#defaults.has(name);
  }

  /**
   * Registers `services` on `workflow`, then gives every service its steps request and that is
   * still missing the one registered here with {@link add}, else its default. Throws `WorkflowValidationError` (and registers nothing) if a
   * requested service is neither given, already registered, nor defaulted. Returns `workflow`.
   */
  addWorkflows<W extends Workflow>(
    workflow: W,
    services: Readonly<Record<string, unknown>> = {},
  ): W {
    const given = new Set(Object.keys(services ?? {}));
    const missing: string[] = [];
    const toCreate = new Set<string>();
    const toShare = new Set<string>();
    for (const s of describeWorkflow(workflow).steps) {
      for (const name of s.services) {
        if (given.has(name) || workflow.services.has(name)) continue;
        if (this.services.has(name)) toShare.add(name);
        else if (this.#defaults.has(name)) toCreate.add(name);
        else
          missing.push(
            `step ${s.name} requests the service "${name}", which was not given and has no default (nor was it added with manager.add): pass addWorkflows(workflow, { ${name}: instance }), or register manager.add("${name}", instance) or manager.default("${name}", () => instance)`,
          );
      }
    }
    if (missing.length > 0) {
      throw new WorkflowValidationError(missing.map((m) => `${workflow.workflowName}: ${m}`));
    }
    addWorkflows(workflow, services);
    for (const name of toShare) addWorkflows(workflow, { [name]: this.services.get(name) });
    for (const name of toCreate) {
      const instance = this.#defaults.get(name)!(workflow);
      addWorkflows(workflow, { [name]: instance });
    }
    return workflow;
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}
