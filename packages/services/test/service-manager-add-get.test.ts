import { describe, expect, it } from "vitest";
import {
  StartEvent,
  StopEvent,
  Workflow,
  WorkflowRuntimeError,
  WorkflowValidationError,
  step,
} from "@eventloom/core";
import { ServiceManager, addWorkflows, nestedRunsOf, runNested } from "@eventloom/services";

class Echo extends Workflow {
  constructor(readonly label: string) {
    super();
  }
  echo = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    (ev) => new StopEvent({ result: `${this.label}:${String(ev["x"])}` }),
  );
}

class UsesEcho extends Workflow {
  call = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["echo"] },
    async (_ev, ctx, services) => {
      const first = await runNested(ctx, services["echo"] as Echo, { x: 1 });
      const second = await runNested(ctx, services["echo"] as Echo, { x: 2 });
      return new StopEvent({ result: [first, second] });
    },
  );
}

describe("ServiceManager.add / get (the seed's service_manager)", () => {
  it("returns what add registered, and the manager for chaining", () => {
    const echo = new Echo("E");
    const manager = new ServiceManager();
    expect(manager.add("echo", echo)).toBe(manager);
    expect(manager.get("echo")).toBe(echo);
    expect(manager.get<Echo>("echo").label).toBe("E");
    expect([...manager.services.keys()]).toEqual(["echo"]);
  });

  it("replaces a service added again under the same name", () => {
    const manager = new ServiceManager().add("echo", new Echo("A"));
    const b = new Echo("B");
    manager.add("echo", b);
    expect(manager.get("echo")).toBe(b);
  });

  it("gives the default for an unknown name when one is passed, as get(name, default) in the seed", () => {
    const fallback = new Echo("F");
    expect(new ServiceManager().get("missing", fallback)).toBe(fallback);
  });

  it("names the unknown service and the registered ones when get finds nothing", () => {
    const manager = new ServiceManager().add("echo", new Echo("E"));
    expect(() => manager.get("ecoh")).toThrow(WorkflowRuntimeError);
    expect(() => manager.get("ecoh")).toThrow(/get\("ecoh"\).*registered: "echo".*manager\.add/);
    expect(() => new ServiceManager().get("x")).toThrow(/none is registered/);
  });

  it("rejects an empty name or a missing service, saying what to pass", () => {
    const manager = new ServiceManager();
    expect(() => manager.add("", new Echo("E"))).toThrow(WorkflowValidationError);
    expect(() => manager.add("", new Echo("E"))).toThrow(/name must be a non-empty string/);
    expect(() => manager.add("echo", undefined)).toThrow(/"echo".*is undefined: pass an instance/);
    expect(() => manager.add("echo", null)).toThrow(WorkflowValidationError);
    expect(manager.services.size).toBe(0);
  });

  it("fills a requested service from the ones added to the manager in addWorkflows", async () => {
    const echo = new Echo("M");
    const manager = new ServiceManager().add("echo", echo);
    const wf = manager.addWorkflows(new UsesEcho());
    expect(wf.services.get("echo")).toBe(echo);
    expect(await wf.run()).toEqual(["M:1", "M:2"]);
  });

  it("prefers an instance given to addWorkflows over one added to the manager", async () => {
    const manager = new ServiceManager().add("echo", new Echo("M"));
    const wf = manager.addWorkflows(new UsesEcho(), { echo: new Echo("G") });
    expect(await wf.run()).toEqual(["G:1", "G:2"]);
  });
});

describe("nestedRunsOf", () => {
  it("lists the runs a parent's steps started with runNested, in order, each run its own", async () => {
    const wf = addWorkflows(new UsesEcho(), { echo: new Echo("E") });
    const a = wf.run();
    const b = wf.run();
    await Promise.all([a, b]);
    const children = nestedRunsOf(a);
    expect(children).toHaveLength(2);
    expect(await children[0]!).toBe("E:1");
    expect(await children[1]!).toBe("E:2");
    expect(children.every((c) => c.status === "completed")).toBe(true);
    // The other run's children are its own.
    expect(nestedRunsOf(b)).toHaveLength(2);
    expect(nestedRunsOf(b).some((c) => children.includes(c))).toBe(false);
    // A child started nothing itself.
    expect(nestedRunsOf(children[0]!)).toEqual([]);
    // The caller's context answers the same as its handler.
    expect(nestedRunsOf(a.ctx)).toEqual(children);
  });
});
