/**
 * The servers some scenarios need (PostgreSQL, NATS), and the tests' convention when one is not
 * there: the scenario reports itself skipped with the reason; under CI=true that is an error.
 */
import type { Kind, Row } from "./report.js";

/** Whether a server answers, and if not why. */
export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Under CI=true an unreachable server fails the benchmark, as it fails the tests. */
export function requireUnlessLocal(reason: string, log: (line: string) => void): void {
  if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
  log(`skipped: ${reason}`);
}

/** A row whose every column says why it was not measured; the reason goes to the notes. */
export function skippedRow(
  scenario: string,
  label: string,
  unit: string,
  kind: Kind,
  cell: string,
  note: string,
  peer: string,
): Row {
  return {
    scenario,
    label,
    unit,
    kind,
    values: { floor: cell, eventloom: cell, llamaindex: peer },
    note,
  };
}

/** The message of a thrown value (or its code, for errors that have no message). */
export function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0]);
  if (error instanceof Error) return error.message || String((error as { code?: unknown }).code);
  return String(error);
}
