import {
  type Event,
  type EventClass,
  type ExecutionRecord,
  type WorkflowHandler,
  describeWorkflow,
  eventSchema,
  eventTypeName,
} from "@eventloom/core";
import { eventRole, roleLabel } from "./event-role.js";
import { describeFields } from "./field-types.js";
import { plural, previewJson } from "./format.js";
import type { FlowGraph, GraphEdge, GraphGroup, GraphNode, TimelineEntry } from "./graph.js";
import { nestedRunsOf } from "./nested-runs.js";

const STATUS_TEXT: Readonly<Record<string, string>> = {
  running: "still running",
  completed: "completed",
  failed: "failed",
  timed_out: "timed out",
  cancelled: "cancelled",
};

/** The path a run took, from `handler.history`: each node and edge as often as it was used. */
export function buildExecutionGraph(handler: WorkflowHandler<unknown>): FlowGraph {
  const workflow = handler.ctx.workflow.workflowName;
  const status = handler.status;
  const builder = new ExecutionBuilder();
  builder.addRuns([handler], undefined, new Set());

  const parts = [STATUS_TEXT[status] ?? status, plural(handler.history.length, "step invocation")];
  if (handler.historyDropped > 0)
    parts.push(`${handler.historyDropped} more not recorded (historyLimit)`);
  if (builder.groups.length > 0) parts.push(plural(builder.groups.length, "nested workflow"));
  return {
    mode: "execution",
    workflow,
    title: workflow,
    subtitle: `Most recent execution · ${parts.join(" · ")}`,
    nodes: builder.nodes,
    edges: builder.edges.map((e, i) => {
      const count = e.at.length;
      return {
        id: `e${i}`,
        from: e.from,
        to: e.to,
        kind: e.kind,
        ...(count > 1 ? { label: `×${count}` } : {}),
        tooltip:
          e.kind === "runs"
            ? `ran the nested workflow ${count === 1 ? "once" : `${count} times`}`
            : `${count === 1 ? "once" : `${count} times`}, at invocation ${e.at.map((n) => `#${n}`).join(", ")}`,
      };
    }),
    groups: builder.groups,
    timeline: builder.timeline,
    status,
  };
}

interface EdgeEntry {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdge["kind"];
  readonly seen: Set<unknown>;
  readonly at: number[];
}

/**
 * Adds runs to one drawing: the top run, then the nested runs its steps started (recorded by
 * `@eventloom/services`' `runNested`), each service's runs together inside that service's group,
 * with their own counts, as `drawAllPossibleFlows` nests the definitions.
 */
class ExecutionBuilder {
  readonly nodes: GraphNode[] = [];
  readonly groups: GraphGroup[] = [];
  readonly edges: EdgeEntry[] = [];
  readonly #edgeByKey = new Map<string, EdgeEntry>();
  /** The top run's invocations; nested runs' steps are found in their groups. */
  readonly timeline: TimelineEntry[] = [];

  edge(from: string, to: string, kind: GraphEdge["kind"], key: unknown, at: number): void {
    const id = `${from}\u0000${to}`;
    let entry = this.#edgeByKey.get(id);
    if (entry === undefined) {
      entry = { from, to, kind, seen: new Set(), at: [] };
      this.#edgeByKey.set(id, entry);
      this.edges.push(entry);
    }
    // Counted once per event, so a retried attempt on the same input is not a second traversal.
    if (!entry.seen.has(key)) {
      entry.seen.add(key);
      entry.at.push(at);
    }
  }

  /**
   * Draws the runs `handlers` (runs of one workflow) into `group`, or at the top, and returns
   * the id of the node the runs started from. `visiting` holds the runs on the path from the
   * top, so a run is never drawn inside itself.
   */
  addRuns(
    handlers: readonly WorkflowHandler<unknown>[],
    group: GraphGroup | undefined,
    visiting: Set<WorkflowHandler<unknown>>,
  ): string | undefined {
    const prefix = group === undefined ? "" : `${group.id}/`;
    const inGroup = group === undefined ? {} : { group: group.id };
    const events = new Map<string, { cls: EventClass; instances: Event[] }>();
    const steps = new Map<string, StepEntry>();
    const order: string[] = [];
    let human = false;
    let caller = false;
    let startId: string | undefined;
    const addEvent = (ev: Event) => {
      const name = eventTypeName(ev.constructor as EventClass);
      let entry = events.get(name);
      if (entry === undefined) {
        events.set(name, (entry = { cls: ev.constructor as EventClass, instances: [] }));
        order.push(`event:${name}`);
      }
      if (!entry.instances.includes(ev)) entry.instances.push(ev);
      return `${prefix}event:${name}`;
    };

    for (const handler of handlers) {
      const history = handler.history;
      // The failing step is the last failed attempt of a failed run; earlier failed attempts of
      // any step were retried.
      const failing =
        handler.status === "failed" ? history.findLast((r) => r.status === "failed") : undefined;
      const produced = new Set<Event>();
      for (const r of history) for (const ev of r.output) produced.add(ev);
      // A failed attempt that was not the run's last failure was retried (or overtaken by it).
      const recordStatus = (r: ExecutionRecord) =>
        r.status === "running"
          ? "interrupted"
          : r.status === "failed" && r !== failing
            ? "failed, retried"
            : r.status;

      history.forEach((r, i) => {
        const stepId = `${prefix}step:${r.step}`;
        const inputId = addEvent(r.input);
        startId ??= inputId;
        let step = steps.get(r.step);
        if (step === undefined) {
          steps.set(r.step, (step = { records: [], statuses: [], failing: false }));
          order.push(`step:${r.step}`);
        }
        step.records.push(r);
        step.statuses.push(recordStatus(r));
        if (r === failing) step.failing = true;
        const inputRole = eventRole(r.input.constructor as EventClass);
        if (!produced.has(r.input) && inputRole !== "start") {
          const source = inputRole === "human-response" ? "human" : "caller";
          if (source === "human") human = true;
          else caller = true;
          this.edge(`${prefix}${source}`, inputId, "human", r.input, i + 1);
        }
        this.edge(inputId, stepId, "accepts", r.input, i + 1);
        for (const ev of r.output) {
          const outId = addEvent(ev);
          this.edge(stepId, outId, "emits", ev, i + 1);
          if (eventRole(ev.constructor as EventClass) === "input-required") {
            human = true;
            this.edge(outId, `${prefix}human`, "human", ev, i + 1);
          }
        }
        if (group === undefined)
          this.timeline.push({
            step: r.step,
            nodeId: stepId,
            attempt: r.attempt,
            status: recordStatus(r),
            input: eventTypeName(r.input.constructor as EventClass),
            output: r.output.map((ev) => eventTypeName(ev.constructor as EventClass)),
          });
      });
    }

    for (const id of order) {
      if (id.startsWith("event:")) this.nodes.push(eventNode(id, events, prefix, inGroup));
      else {
        const name = id.slice("step:".length);
        const step = steps.get(name)!;
        this.nodes.push(stepNode(name, step, prefix, inGroup));
      }
    }
    if (human)
      this.nodes.push(
        actor(`${prefix}human`, inGroup, "Answered input requests with handler.sendEvent(...)."),
      );
    if (caller)
      this.nodes.push(
        actor(`${prefix}caller`, inGroup, "Sent events into the run with handler.sendEvent(...)."),
      );

    for (const h of handlers) visiting.add(h);
    this.addNested(handlers, group, prefix, new Set(steps.keys()), visiting);
    for (const h of handlers) visiting.delete(h);
    return startId;
  }

  /** Draws the nested runs of `handlers`, one group per service. */
  private addNested(
    handlers: readonly WorkflowHandler<unknown>[],
    group: GraphGroup | undefined,
    prefix: string,
    ranSteps: ReadonlySet<string>,
    visiting: Set<WorkflowHandler<unknown>>,
  ): void {
    const byService = new Map<string, WorkflowHandler<unknown>[]>();
    const workflow = handlers[0]?.ctx.workflow;
    if (workflow === undefined) return;
    for (const handler of handlers) {
      for (const child of nestedRunsOf(handler)) {
        if (visiting.has(child) || child.history.length === 0) continue;
        const service = serviceName(workflow.services, child);
        let runs = byService.get(service);
        if (runs === undefined) byService.set(service, (runs = []));
        runs.push(child);
      }
    }
    if (byService.size === 0) return;
    const description = describeWorkflow(workflow);
    for (const [service, runs] of byService) {
      const childWorkflow = runs[0]!.ctx.workflow.workflowName;
      const requesters = description.steps
        .filter((s) => s.services.includes(service) && ranSteps.has(s.name))
        .map((s) => s.name);
      const statuses = runs.map((r) => STATUS_TEXT[r.status] ?? r.status);
      const child: GraphGroup = {
        id: `${prefix}group:${service}`,
        service,
        workflow: childWorkflow,
        ...(group === undefined ? {} : { parent: group.id }),
        details: {
          kind: "Nested workflow",
          title: `${service}: ${childWorkflow}`,
          rows: [
            ["Service", service],
            ["Workflow", childWorkflow],
            ["Runs", String(runs.length)],
            ["Statuses", statuses.join(", ")],
            ["Step invocations", String(runs.reduce((n, r) => n + r.history.length, 0))],
            ["Requested by", requesters.join(", ") || "—"],
          ],
          note: "The steps and events of this service's nested runs, counted over all of them. Collapse or expand the group with its header button.",
        },
      };
      this.groups.push(child);
      const startId = this.addRuns(runs, child, visiting);
      if (startId === undefined) continue;
      runs.forEach((run, i) => {
        for (const name of requesters)
          this.edge(`${prefix}step:${name}`, startId, "runs", run, i + 1);
      });
    }
  }
}

/**
 * The name under which the parent workflow holds the child's workflow; the child workflow's
 * name when it is not among the parent's services (a workflow passed to runNested directly).
 */
function serviceName(
  services: ReadonlyMap<string, unknown>,
  child: WorkflowHandler<unknown>,
): string {
  for (const [name, instance] of services) if (instance === child.ctx.workflow) return name;
  return child.ctx.workflow.workflowName;
}

function eventNode(
  id: string,
  events: ReadonlyMap<string, { cls: EventClass; instances: Event[] }>,
  prefix: string,
  inGroup: { group?: string },
): GraphNode {
  const name = id.slice("event:".length);
  const { cls, instances } = events.get(name)!;
  const role = eventRole(cls);
  return {
    id: `${prefix}${id}`,
    kind: "event",
    name,
    role,
    ...inGroup,
    ...(instances.length > 1 ? { meta: `×${instances.length}` } : {}),
    details: {
      kind: roleLabel(role),
      title: name,
      rows: [
        ["Occurrences", String(instances.length)],
        ...instances
          .slice(0, 5)
          .map((ev, i) => [`#${i + 1} data`, previewJson(ev.toJSON().data)] as const),
        ...(instances.length > 5 ? [["…", `${instances.length - 5} more`] as const] : []),
      ],
      fields: describeFields(eventSchema(cls)).map((f) => [f.name, f.type] as const),
    },
  };
}

/** What one step did over the runs drawn together. */
interface StepEntry {
  readonly records: ExecutionRecord[];
  /** Each record's status as shown ("failed, retried", "interrupted", ...). */
  readonly statuses: string[];
  /** The step holds the failing attempt of a failed run. */
  failing: boolean;
}

function stepNode(
  name: string,
  step: StepEntry,
  prefix: string,
  inGroup: { group?: string },
): GraphNode {
  const { records, failing } = step;
  const invocations = new Set(records.map((r) => r.input)).size;
  const retries = records.length - invocations;
  const failedAttempt = failing ? records.findLast((r) => r.status === "failed") : undefined;
  const interrupted = records.some((r) => r.status === "running");
  const meta = [invocations === 1 ? "ran once" : `ran ${invocations}×`];
  if (retries > 0) meta.push(retries === 1 ? "1 retry" : `${retries} retries`);
  if (failedAttempt !== undefined) meta.push(`failed (attempt ${failedAttempt.attempt})`);
  else if (interrupted) meta.push("interrupted");
  return {
    id: `${prefix}step:${name}`,
    kind: "step",
    name,
    ...inGroup,
    meta: meta.join(" · "),
    status: failing ? "failed" : interrupted ? "running" : "completed",
    details: {
      kind: failing ? "Step (the run failed here)" : "Step",
      title: name,
      rows: [
        ["Invocations", String(invocations)],
        ["Attempts", String(records.length)],
        ["Statuses", step.statuses.join(", ")],
        [
          "Inputs",
          [...new Set(records.map((r) => eventTypeName(r.input.constructor as EventClass)))].join(
            ", ",
          ),
        ],
      ],
    },
  };
}

function actor(id: string, inGroup: { group?: string }, note: string): GraphNode {
  const name = id.slice(id.lastIndexOf("/") + 1);
  return {
    id,
    kind: "human",
    name,
    ...inGroup,
    details: { kind: "Outside the run", title: name, rows: [], note },
  };
}
