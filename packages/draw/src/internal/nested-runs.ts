import type { WorkflowHandler } from "@eventloom/core";

/**
 * The nested runs that `@eventloom/services`' `runNested` recorded for `handler`'s run, read
 * without depending on that package: it keeps them in a `WeakMap` from the parent run's
 * `ctx.store` to `{ parentRunId, handler }` records, under this registered symbol on
 * `globalThis` (see `nested-runs.ts` in `@eventloom/services`, which owns the contract).
 * Without services, or for a run that started none, the list is empty.
 */
const REGISTRY_KEY = Symbol.for("@eventloom/services.nestedRuns");

interface NestedRunRecord {
  readonly parentRunId: string;
  readonly handler: WorkflowHandler<unknown>;
}

export function nestedRunsOf(handler: WorkflowHandler<unknown>): WorkflowHandler<unknown>[] {
  const table = (globalThis as { [REGISTRY_KEY]?: unknown })[REGISTRY_KEY];
  if (!(table instanceof WeakMap)) return [];
  const records: unknown = table.get(handler.ctx.store as unknown as object);
  if (!Array.isArray(records)) return [];
  return (records as NestedRunRecord[])
    .filter((r) => r.parentRunId === handler.runId)
    .map((r) => r.handler);
}
