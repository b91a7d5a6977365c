import { type Workflow, WorkflowValidationError, describeWorkflow } from "@eventloom/core";
import { addWorkflows } from "./add-workflows.js";

/** Makes a default service for `workflow` (called once per workflow that needs it). */
export type ServiceFactory<T = unknown> = (workflow: Workflow) => T;

/**
 * Default services, and the check that a workflow has every service its steps request.
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
   * still missing its default. Throws `WorkflowValidationError` (and registers nothing) if a
   * requested service is neither given, already registered, nor defaulted. Returns `workflow`.
   */
  addWorkflows<W extends Workflow>(
    workflow: W,
    services: Readonly<Record<string, unknown>> = {},
  ): W {
    const given = new Set(Object.keys(services ?? {}));
    const missing: string[] = [];
    const toCreate = new Set<string>();
    for (const s of describeWorkflow(workflow).steps) {
      for (const name of s.services) {
        if (given.has(name) || workflow.services.has(name)) continue;
        if (this.#defaults.has(name)) toCreate.add(name);
        else
          missing.push(
            `step ${s.name} requests the service "${name}", which was not given and has no default: pass addWorkflows(workflow, { ${name}: instance }) or register manager.default("${name}", () => instance)`,
          );
      }
    }
    if (missing.length > 0) {
      throw new WorkflowValidationError(missing.map((m) => `${workflow.workflowName}: ${m}`));
    }
    addWorkflows(workflow, services);
    for (const name of toCreate) {
      const instance = this.#defaults.get(name)!(workflow);
      addWorkflows(workflow, { [name]: instance });
    }
    return workflow;
  }
}
