// The side-effect log the worker processes write (one row per step execution), beside the
// journal's schema: made for a test, dropped after it, and read back as executions per invocation.
import type pg from "pg";
import type { Fixture } from "./services.js";

/** Creates the log's schema (dropped when the test ends) and table; returns the schema's name. */
export async function effectsLog(svc: Fixture, admin: pg.Pool): Promise<string> {
  // A schema of its own: a journal wants its schema to itself.
  const fx = `${svc.schema}_fx`;
  svc.defer(() => admin.query(`DROP SCHEMA IF EXISTS "${fx}" CASCADE`));
  await admin.query(`CREATE SCHEMA "${fx}"`);
  await admin.query(
    `CREATE TABLE "${fx}".effects (id serial PRIMARY KEY, run_id text, invocation_id text, step text, pid int)`,
  );
  return fx;
}

/** One execution of a step, as a worker process logged it. */
export interface EffectRow {
  readonly run_id: string;
  readonly invocation_id: string;
  readonly step: string;
  readonly pid: number;
}

/**
 * The log in the order written, and the pids that executed each invocation, in order, keyed
 * `runId step invocationId`.
 */
export async function readEffects(
  admin: pg.Pool,
  fx: string,
): Promise<{ readonly rows: EffectRow[]; readonly executions: Map<string, number[]> }> {
  const { rows } = await admin.query<EffectRow>(
    `SELECT run_id, invocation_id, step, pid FROM "${fx}".effects ORDER BY id`,
  );
  const executions = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.run_id} ${r.step} ${r.invocation_id}`;
    executions.set(key, [...(executions.get(key) ?? []), r.pid]);
  }
  return { rows, executions };
}
