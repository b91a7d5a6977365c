import {
  type Event,
  type EventClass,
  type ExecutionRecord,
  type WorkflowHandler,
  eventSchema,
  eventTypeName,
} from "@eventloom/core";
import { eventRole, roleLabel } from "./event-role.js";
import { describeFields } from "./field-types.js";
import { plural, previewJson } from "./format.js";
import type { FlowGraph, GraphEdge, GraphNode, TimelineEntry } from "./graph.js";

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
  const history = handler.history;
  const status = handler.status;
  // The failing step is the last failed attempt of a failed run; earlier failed attempts of
  // any step were retried.
  let failing: ExecutionRecord | undefined;
  if (status === "failed") failing = history.findLast((r) => r.status === "failed");

  const produced = new Set<Event>();
  for (const r of history) for (const ev of r.output) produced.add(ev);

  const events = new Map<string, { cls: EventClass; instances: Event[] }>();
  const steps = new Map<string, ExecutionRecord[]>();
  const edges = new Map<
    string,
    { from: string; to: string; kind: GraphEdge["kind"]; seen: Set<Event>; at: number[] }
  >();
  const order: string[] = [];
  const addEvent = (ev: Event) => {
    const name = eventTypeName(ev.constructor as EventClass);
    let entry = events.get(name);
    if (entry === undefined) {
      events.set(name, (entry = { cls: ev.constructor as EventClass, instances: [] }));
      order.push(`event:${name}`);
    }
    if (!entry.instances.includes(ev)) entry.instances.push(ev);
    return `event:${name}`;
  };
  const addEdge = (from: string, to: string, kind: GraphEdge["kind"], ev: Event, at: number) => {
    const key = `${from}\u0000${to}`;
    let entry = edges.get(key);
    if (entry === undefined) edges.set(key, (entry = { from, to, kind, seen: new Set(), at: [] }));
    // Counted once per event, so a retried attempt on the same input is not a second traversal.
    if (!entry.seen.has(ev)) {
      entry.seen.add(ev);
      entry.at.push(at);
    }
  };
  let human = false;
  let caller = false;

  // A failed attempt that was not the run's last failure was retried (or overtaken by it).
  const recordStatus = (r: ExecutionRecord) =>
    r.status === "running"
      ? "interrupted"
      : r.status === "failed" && r !== failing
        ? "failed, retried"
        : r.status;

  const timeline: TimelineEntry[] = [];
  history.forEach((r, i) => {
    const stepId = `step:${r.step}`;
    const inputId = addEvent(r.input);
    if (!steps.has(r.step)) {
      steps.set(r.step, []);
      order.push(stepId);
    }
    steps.get(r.step)!.push(r);
    const inputRole = eventRole(r.input.constructor as EventClass);
    if (!produced.has(r.input) && inputRole !== "start") {
      const source = inputRole === "human-response" ? "human" : "caller";
      if (source === "human") human = true;
      else caller = true;
      addEdge(source, inputId, "human", r.input, i + 1);
    }
    addEdge(inputId, stepId, "accepts", r.input, i + 1);
    for (const ev of r.output) {
      const outId = addEvent(ev);
      addEdge(stepId, outId, "emits", ev, i + 1);
      if (eventRole(ev.constructor as EventClass) === "input-required") {
        human = true;
        addEdge(outId, "human", "human", ev, i + 1);
      }
    }
    timeline.push({
      step: r.step,
      nodeId: stepId,
      attempt: r.attempt,
      status: recordStatus(r),
      input: eventTypeName(r.input.constructor as EventClass),
      output: r.output.map((ev) => eventTypeName(ev.constructor as EventClass)),
    });
  });

  const nodes: GraphNode[] = [];
  for (const id of order) {
    if (id.startsWith("event:")) {
      const name = id.slice("event:".length);
      const { cls, instances } = events.get(name)!;
      const role = eventRole(cls);
      nodes.push({
        id,
        kind: "event",
        name,
        role,
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
      });
    } else {
      const name = id.slice("step:".length);
      const records = steps.get(name)!;
      const invocations = new Set(records.map((r) => r.input)).size;
      const retries = records.length - invocations;
      const failed = failing !== undefined && failing.step === name;
      const interrupted = records.some((r) => r.status === "running");
      const meta = [invocations === 1 ? "ran once" : `ran ${invocations}×`];
      if (retries > 0) meta.push(retries === 1 ? "1 retry" : `${retries} retries`);
      if (failed) meta.push(`failed (attempt ${failing!.attempt})`);
      else if (interrupted) meta.push("interrupted");
      nodes.push({
        id,
        kind: "step",
        name,
        meta: meta.join(" · "),
        status: failed ? "failed" : interrupted ? "running" : "completed",
        details: {
          kind: failed ? "Step (the run failed here)" : "Step",
          title: name,
          rows: [
            ["Invocations", String(invocations)],
            ["Attempts", String(records.length)],
            ["Statuses", records.map(recordStatus).join(", ")],
            [
              "Inputs",
              [
                ...new Set(records.map((r) => eventTypeName(r.input.constructor as EventClass))),
              ].join(", "),
            ],
          ],
        },
      });
    }
  }
  if (human) nodes.push(actor("human", "Answered input requests with handler.sendEvent(...)."));
  if (caller) nodes.push(actor("caller", "Sent events into the run with handler.sendEvent(...)."));

  const graphEdges: GraphEdge[] = [...edges.values()].map((e, i) => {
    const count = e.at.length;
    return {
      id: `e${i}`,
      from: e.from,
      to: e.to,
      kind: e.kind,
      ...(count > 1 ? { label: `×${count}` } : {}),
      tooltip: `${count === 1 ? "once" : `${count} times`}, at invocation ${e.at.map((n) => `#${n}`).join(", ")}`,
    };
  });

  const parts = [STATUS_TEXT[status] ?? status, plural(history.length, "step invocation")];
  if (handler.historyDropped > 0)
    parts.push(`${handler.historyDropped} more not recorded (historyLimit)`);
  return {
    mode: "execution",
    workflow,
    title: workflow,
    subtitle: `Most recent execution · ${parts.join(" · ")}`,
    nodes,
    edges: graphEdges,
    groups: [],
    timeline,
    status,
  };
}

function actor(name: string, note: string): GraphNode {
  return {
    id: name,
    kind: "human",
    name,
    details: { kind: "Outside the run", title: name, rows: [], note },
  };
}
