import { type Workflow, WorkflowValidationError } from "@eventloom/core";

/**
 * Registers services (usually nested workflow instances) on `workflow`, by name, for the steps
 * that request them with `services: ["name"]`. A name that is already registered is replaced.
 * Returns `workflow`, so a setup can be written in one expression.
 *
 * @example
 * class Monitor extends Workflow {
 *   trade = step(
 *     { accepts: [TradeEvent], emits: [StopEvent], services: ["tradeStation"] },
 *     async (ev, ctx, { tradeStation }) =>
 *       new StopEvent({ result: await runNested(ctx, tradeStation, { stock: ev.stock }) }),
 *   );
 * }
 * const monitor = addWorkflows(new Monitor(), { tradeStation: new TradeStation() });
 */
export function addWorkflows<W extends Workflow>(
  workflow: W,
  services: Readonly<Record<string, unknown>>,
): W {
  if (services === null || typeof services !== "object" || Array.isArray(services)) {
    throw new WorkflowValidationError(
      `addWorkflows(${workflow.workflowName}, services): services must be an object of name: instance, e.g. { tradeStation: new TradeStation() }`,
    );
  }
  const problems: string[] = [];
  for (const [name, instance] of Object.entries(services)) {
    if (instance === undefined || instance === null) {
      problems.push(
        `the service "${name}" is ${String(instance)}: pass an instance (a nested workflow, or any object)`,
      );
    }
  }
  if (problems.length > 0) {
    throw new WorkflowValidationError(
      problems.map((p) => `addWorkflows(${workflow.workflowName}): ${p}`),
    );
  }
  for (const [name, instance] of Object.entries(services)) workflow.services.set(name, instance);
  return workflow;
}
