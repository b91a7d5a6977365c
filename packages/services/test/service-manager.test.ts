import { describe, expect, it } from "vitest";
import { StartEvent, StopEvent, Workflow, WorkflowValidationError, step } from "@eventloom/core";
import { ServiceManager, addWorkflows, runNested } from "@eventloom/services";

class Echo extends Workflow {
  constructor(readonly label: string) {
    super();
  }
  echo = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    (ev) => new StopEvent({ result: `${this.label}:${String(ev["x"])}` }),
  );
}

class UsesTwo extends Workflow {
  both = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["left", "right"] },
    async (_ev, ctx, services) => {
      const left = await runNested(ctx, services["left"] as Echo, { x: 1 });
      const right = await runNested(ctx, services["right"] as Echo, { x: 2 });
      return new StopEvent({ result: [left, right] });
    },
  );
}

describe("addWorkflows", () => {
  it("injects the registered instances into the steps that request them", async () => {
    const wf = addWorkflows(new UsesTwo(), { left: new Echo("L"), right: new Echo("R") });
    expect(await wf.run()).toEqual(["L:1", "R:2"]);
    expect([...wf.services.keys()]).toEqual(["left", "right"]);
  });

  it("replaces an instance registered under the same name", async () => {
    const wf = addWorkflows(new UsesTwo(), { left: new Echo("L"), right: new Echo("R") });
    addWorkflows(wf, { right: new Echo("R2") });
    expect(await wf.run()).toEqual(["L:1", "R2:2"]);
  });

  it("rejects a missing instance by name, and registers nothing", () => {
    const wf = new UsesTwo();
    expect(() => addWorkflows(wf, { left: new Echo("L"), right: undefined })).toThrow(
      'addWorkflows(UsesTwo): the service "right" is undefined',
    );
    expect(wf.services.size).toBe(0);
  });
});

describe("ServiceManager", () => {
  it("fills every requested service that was not given from its default; given instances win", async () => {
    const made: string[] = [];
    const services = new ServiceManager()
      .default("left", (wf) => {
        made.push(`left for ${wf.workflowName}`);
        return new Echo("defaultL");
      })
      .default("right", () => new Echo("defaultR"));
    const wf = services.addWorkflows(new UsesTwo(), { right: new Echo("R") });
    expect(await wf.run()).toEqual(["defaultL:1", "R:2"]);
    expect(made).toEqual(["left for UsesTwo"]);
  });

  it("gives each workflow its own default instance", () => {
    const services = new ServiceManager()
      .default("left", () => new Echo("L"))
      .default("right", () => new Echo("R"));
    const a = services.addWorkflows(new UsesTwo());
    const b = services.addWorkflows(new UsesTwo());
    expect(a.services.get("left")).toBeInstanceOf(Echo);
    expect(a.services.get("left")).not.toBe(b.services.get("left"));
  });

  it("keeps services already registered on the workflow", () => {
    const services = new ServiceManager()
      .default("left", () => new Echo("defaultL"))
      .default("right", () => new Echo("defaultR"));
    const mine = new Echo("mine");
    const wf = new UsesTwo();
    wf.services.set("left", mine);
    services.addWorkflows(wf);
    expect(wf.services.get("left")).toBe(mine);
  });

  it("says which step requests a service that was not given and has no default, before any run", () => {
    const services = new ServiceManager().default("left", () => new Echo("L"));
    const wf = new UsesTwo();
    let error: unknown;
    try {
      services.addWorkflows(wf);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkflowValidationError);
    expect((error as Error).message).toContain(
      'UsesTwo: step both requests the service "right", which was not given and has no default',
    );
    expect(services.hasDefault("left")).toBe(true);
    expect(services.hasDefault("right")).toBe(false);
    expect(wf.services.size).toBe(0);
  });

  it("rejects a default without a name or a factory", () => {
    const services = new ServiceManager();
    expect(() => services.default("", () => 1)).toThrow(WorkflowValidationError);
    expect(() => services.default("x", new Echo("L") as never)).toThrow(
      "factory must be a function",
    );
  });
});
