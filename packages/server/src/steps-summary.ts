// `GET /runs/:id/steps`: each step's invocation counts and the waits a run could be answered on.
import { type EventClass, type Workflow, describeWorkflow } from "@eventloom/core";
import type { LiveRun } from "./internal/live-run.js";
import { eventClassesByType, eventJsonSchema } from "./internal/workflow-events.js";

/** One step's invocations by state. */
export interface StepCounts {
  readonly name: string;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  /** Invocations suspended in `waitForEvent`. */
  readonly waiting: number;
}

/** A run's steps now (the inspector draws them on its graph). */
export interface StepsSummary {
  readonly runId: string;
  readonly status: string;
  readonly steps: readonly StepCounts[];
  /** Invocations suspended in `waitForEvent`: the awaited type and its JSON Schema. */
  readonly waiting: readonly {
    readonly step: string;
    readonly type: string;
    readonly schema: Record<string, unknown>;
  }[];
}

/** Per workflow, what the summary needs that never changes. */
const stepNamesOf = new WeakMap<Workflow, { names: string[]; classes: Map<string, EventClass> }>();

function staticsOf(workflow: Workflow): { names: string[]; classes: Map<string, EventClass> } {
  let s = stepNamesOf.get(workflow);
  if (s === undefined) {
    s = {
      names: describeWorkflow(workflow).steps.map((step) => step.name),
      classes: eventClassesByType(workflow),
    };
    stepNamesOf.set(workflow, s);
  }
  return s;
}

/** The summary of a run the server drives, from its handler's history. */
export function stepsSummary(record: LiveRun): StepsSummary {
  const { names, classes } = staticsOf(record.served.workflow);
  const counts = new Map<
    string,
    { running: number; completed: number; failed: number; waiting: number }
  >();
  for (const name of names) counts.set(name, { running: 0, completed: 0, failed: 0, waiting: 0 });
  const waiting: { step: string; type: string; schema: Record<string, unknown> }[] = [];
  for (const r of record.handler.history) {
    let c = counts.get(r.step);
    if (c === undefined)
      counts.set(r.step, (c = { running: 0, completed: 0, failed: 0, waiting: 0 }));
    // A run that has ended leaves no invocation running or waiting.
    if (r.status === "running" && record.done) continue;
    if (r.status === "running" && r.waitingFor !== undefined) {
      c.waiting++;
      waiting.push({
        step: r.step,
        type: r.waitingFor,
        schema: eventJsonSchema(classFor(record.served.workflow, classes, r.waitingFor)),
      });
    } else c[r.status]++;
  }
  const steps: StepCounts[] = [];
  // Written out, not `{ name, ...c }`: a spread copies into out-of-object properties, which a
  // finished run's retained counts would carry.
  for (const [name, c] of counts) {
    steps.push({
      name,
      running: c.running,
      completed: c.completed,
      failed: c.failed,
      waiting: c.waiting,
    });
  }
  return { runId: record.runId, status: record.status, steps, waiting };
}

/**
 * True when `counts` are what `stepsSummary` gives for `record` now that it has ended: each
 * declared step's completed and failed invocations, nothing running or waiting. Checked without
 * building the summary, so that a finished run can share the previous one's counts; a history
 * with a step the workflow does not declare never matches.
 */
export function endedWithCounts(record: LiveRun, counts: readonly StepCounts[]): boolean {
  const { names } = staticsOf(record.served.workflow);
  if (counts.length !== names.length) return false;
  // `history` builds its records on each read: read once.
  const history = record.handler.history;
  for (const r of history) if (!names.includes(r.step)) return false;
  for (let i = 0; i < names.length; i++) {
    const c = counts[i]!;
    if (c.name !== names[i] || c.running !== 0 || c.waiting !== 0) return false;
    let completed = 0;
    let failed = 0;
    for (const r of history) {
      if (r.step !== c.name) continue;
      if (r.status === "completed") completed++;
      else if (r.status === "failed") failed++;
    }
    if (completed !== c.completed || failed !== c.failed) return false;
  }
  return true;
}

/**
 * The class of a type name: one the workflow declares, else one a step waits for (core knows
 * those once waited for, but only hands them out through `reviveEvent`: data that passes the
 * schema gives the class; a class with required fields stays unknown, and its schema is
 * reported as any object). Declare it in `static externalEvents` for its full schema.
 */
function classFor(
  workflow: Workflow,
  classes: Map<string, EventClass>,
  type: string,
): EventClass | undefined {
  const known = classes.get(type);
  if (known !== undefined) return known;
  try {
    const cls = workflow.reviveEvent({ type, data: {} }).constructor as EventClass;
    classes.set(type, cls);
    return cls;
  } catch {
    return undefined;
  }
}
