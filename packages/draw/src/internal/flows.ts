import { type EventClass, Workflow, describeWorkflow, eventSchema } from "@eventloom/core";
import { eventRole, roleLabel } from "./event-role.js";
import { describeFields } from "./field-types.js";
import { formatMs, plural } from "./format.js";
import type { FlowGraph, GraphEdge, GraphGroup, GraphNode } from "./graph.js";

/** Every step and event of `workflow` (and of its nested workflows) as one graph. */
export function buildFlowGraph(workflow: Workflow): FlowGraph {
  const builder = new FlowBuilder();
  const top = builder.addWorkflow(workflow, undefined, new Set());
  const counts = [
    plural(top.steps, "step"),
    plural(top.events, "event"),
    ...(builder.groups.length > 0 ? [plural(builder.groups.length, "nested workflow")] : []),
  ];
  return {
    mode: "flows",
    workflow: workflow.workflowName,
    title: workflow.workflowName,
    subtitle: `All possible flows · ${counts.join(" · ")}`,
    nodes: builder.nodes,
    edges: builder.edges,
    groups: builder.groups,
  };
}

class FlowBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  readonly groups: GraphGroup[] = [];

  edge(from: string, to: string, kind: GraphEdge["kind"]): void {
    const tooltip = kind === "runs" ? "runs the nested workflow with run()" : undefined;
    this.edges.push({
      id: `e${this.edges.length}`,
      from,
      to,
      kind,
      ...(tooltip === undefined ? {} : { tooltip }),
    });
  }

  /**
   * Adds one workflow's nodes, inside `group` when it is nested. `visiting` holds the workflows
   * on the path from the top, so a workflow that (indirectly) nests itself is drawn once.
   */
  addWorkflow(
    workflow: Workflow,
    group: GraphGroup | undefined,
    visiting: Set<Workflow>,
  ): { steps: number; events: number; startId: string } {
    const d = describeWorkflow(workflow);
    const prefix = group === undefined ? "" : `${group.id}/`;
    const inGroup = group === undefined ? {} : { group: group.id };
    const eventId = (name: string) => `${prefix}event:${name}`;
    const stepId = (name: string) => `${prefix}step:${name}`;
    const eventName = new Map<EventClass, string>();
    for (const [name, { cls }] of d.events) eventName.set(cls, name);
    const nameOf = (cls: EventClass) => eventName.get(cls)!;

    let human = false;
    for (const [name, { cls }] of d.events) {
      const role = eventRole(cls);
      if (role === "input-required" || role === "human-response") human = true;
      const emittedBy = d.steps.filter((s) => s.emits.includes(cls)).map((s) => s.name);
      const acceptedBy = d.steps.filter((s) => s.accepts.includes(cls)).map((s) => s.name);
      const schema = eventSchema(cls);
      const fields = describeFields(schema).map((f) => [f.name, f.type] as const);
      const note =
        schema === undefined
          ? role === "stop"
            ? "A plain StopEvent: the run resolves to its result field."
            : "Declared without a schema: it carries any fields."
          : undefined;
      this.nodes.push({
        id: eventId(name),
        kind: "event",
        name,
        role,
        ...inGroup,
        details: {
          kind: roleLabel(role),
          title: name,
          rows: [
            ...(cls.name !== name && cls.name !== "" ? [["Class", cls.name] as const] : []),
            ["Emitted by", emittedBy.join(", ") || (role === "start" ? "run(input)" : "—")],
            ["Accepted by", acceptedBy.join(", ") || "— (ends the run or goes to the stream)"],
          ],
          fields,
          ...(note === undefined ? {} : { note }),
        },
      });
    }

    for (const s of d.steps) {
      // The default of 4 workers is left out: the line shows what is special about a step.
      const meta = s.numWorkers === 4 ? [] : [plural(s.numWorkers, "worker")];
      if (s.retry) meta.push("retry");
      if (s.timeout !== undefined) meta.push(`timeout ${formatMs(s.timeout)}`);
      if (s.services.length > 0) meta.push(`uses ${s.services.join(", ")}`);
      this.nodes.push({
        id: stepId(s.name),
        kind: "step",
        name: s.name,
        ...inGroup,
        ...(meta.length === 0 ? {} : { meta: meta.join(" · ") }),
        details: {
          kind: "Step",
          title: s.name,
          rows: [
            ["Accepts", s.accepts.map(nameOf).join(", ")],
            ["Emits", s.emits.map(nameOf).join(", ") || "— (returns nothing)"],
            ["Workers", String(s.numWorkers)],
            ["Retry", s.retry ? "a retry policy is set" : "none"],
            ["Timeout", s.timeout === undefined ? "none" : `${formatMs(s.timeout)} per attempt`],
            ["Services", s.services.join(", ") || "none"],
          ],
        },
      });
      for (const cls of s.accepts) this.edge(eventId(nameOf(cls)), stepId(s.name), "accepts");
      for (const cls of s.emits) this.edge(stepId(s.name), eventId(nameOf(cls)), "emits");
    }

    if (human) this.addHuman(d.events, prefix, inGroup, eventId);

    visiting.add(workflow);
    const nested = new Map<string, { group: GraphGroup; startId: string }>();
    for (const s of d.steps) {
      for (const service of s.services) {
        const instance = d.services.get(service);
        if (!(instance instanceof Workflow) || visiting.has(instance)) continue;
        let entry = nested.get(service);
        if (entry === undefined) {
          const requesters = d.steps.filter((x) => x.services.includes(service));
          const child: GraphGroup = {
            id: `${prefix}group:${service}`,
            service,
            workflow: instance.workflowName,
            ...(group === undefined ? {} : { parent: group.id }),
            details: {
              kind: "Nested workflow",
              title: `${service}: ${instance.workflowName}`,
              rows: [
                ["Service", service],
                ["Workflow", instance.workflowName],
                ["Requested by", requesters.map((x) => x.name).join(", ")],
              ],
              note: "A step that requests this service runs it with run(). Collapse or expand the group with its header button.",
            },
          };
          this.groups.push(child);
          const inner = this.addWorkflow(instance, child, visiting);
          entry = { group: child, startId: inner.startId };
          nested.set(service, entry);
        }
        this.edge(stepId(s.name), entry.startId, "runs");
      }
    }
    visiting.delete(workflow);

    return {
      steps: d.steps.length,
      events: d.events.size,
      startId: eventId(nameOf(d.startEvent)),
    };
  }

  /** The person (or program) that reads InputRequiredEvents and answers with HumanResponseEvents. */
  private addHuman(
    events: ReturnType<typeof describeWorkflow>["events"],
    prefix: string,
    inGroup: { group?: string },
    eventId: (name: string) => string,
  ): void {
    const id = `${prefix}human`;
    const asks: string[] = [];
    const answers: string[] = [];
    for (const [name, { cls }] of events) {
      const role = eventRole(cls);
      if (role === "input-required") asks.push(name);
      if (role === "human-response") answers.push(name);
    }
    this.nodes.push({
      id,
      kind: "human",
      name: "human",
      ...inGroup,
      details: {
        kind: "Human in the loop",
        title: "human",
        rows: [
          ["Reads", asks.join(", ") || "—"],
          ["Answers with", answers.join(", ") || "—"],
        ],
        note: "Outside the workflow: the caller reads input requests from handler.streamEvents() and answers with handler.sendEvent(...).",
      },
    });
    for (const name of asks) this.edge(eventId(name), id, "human");
    for (const name of answers) this.edge(id, eventId(name), "human");
  }
}
