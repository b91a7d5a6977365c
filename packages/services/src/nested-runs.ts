import { type Context, WorkflowHandler } from "@eventloom/core";

/**
 * Where nested runs are recorded, under a registered symbol on `globalThis` so that a reader
 * which does not depend on this package (the drawer, `@eventloom/draw`) finds the same table, the
 * way `@opentelemetry/api` shares its registration between copies. The table is a `WeakMap` keyed
 * by the parent run's store (one object per run, shared by all views of its context), so every
 * record is released with the parent run: nothing here outlives a run.
 *
 * The contract a reader relies on: `globalThis[Symbol.for("@eventloom/services.nestedRuns")]` is
 * a `WeakMap<object, NestedRunRecord[]>` from `ctx.store` to the records, in start order.
 */
const REGISTRY_KEY = Symbol.for("@eventloom/services.nestedRuns");

/** One nested run, as recorded by {@link runNested}. */
export interface NestedRunRecord {
  /** The run id of the run whose step started the nested run. */
  readonly parentRunId: string;
  /** The nested run's handler. */
  readonly handler: WorkflowHandler<unknown>;
}

type Registry = WeakMap<object, NestedRunRecord[]>;

function registry(): Registry {
  const holder = globalThis as { [REGISTRY_KEY]?: Registry };
  return (holder[REGISTRY_KEY] ??= new WeakMap());
}

/** Records that `child` was started as a nested run of the step whose context is `parent`. */
export function recordNestedRun(parent: Context, child: WorkflowHandler<unknown>): void {
  const key = parent.store as unknown as object;
  const table = registry();
  let records = table.get(key);
  if (records === undefined) table.set(key, (records = []));
  records.push({ parentRunId: parent.runId, handler: child });
}

/**
 * The nested runs that steps of `run` started with {@link runNested}, in start order (direct
 * children only; ask again with a child's handler for its own). A run's records live as long as
 * the run does. Runs started another way (`workflow.run(input, { parent: ctx })` or a service's
 * own `run()`) are not recorded here.
 *
 * @example
 * const handler = monitor.run({ payload: "NVDA" });
 * await handler;
 * for (const child of nestedRunsOf(handler)) console.log(child.ctx.workflow.workflowName, child.status);
 */
export function nestedRunsOf(
  run: WorkflowHandler<unknown> | Context,
): readonly WorkflowHandler<unknown>[] {
  const ctx = run instanceof WorkflowHandler ? run.ctx : run;
  const records = registry().get(ctx.store as unknown as object) ?? [];
  return records.filter((r) => r.parentRunId === ctx.runId).map((r) => r.handler);
}
