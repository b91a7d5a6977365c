/**
 * `new W({ serviceManager })` (the seed's `Workflow(service_manager=...)`): core's
 * `serviceManager` workflow option, which reads `serviceManager.services` (a `Map`) and uses it
 * as the instance's `workflow.services`.
 */
import { describe, expect, it } from "vitest";
import { StartEvent, StopEvent, Workflow, type WorkflowOptions, step } from "@eventloom/core";
import { ServiceManager, runNested } from "@eventloom/services";

class Echo extends Workflow {
  echo = step(
    { accepts: [StartEvent], emits: [StopEvent] },
    (ev) => new StopEvent({ result: `echo:${String(ev["x"])}` }),
  );
}

class UsesEcho extends Workflow {
  call = step(
    { accepts: [StartEvent], emits: [StopEvent], services: ["echo"] },
    async (_ev, ctx, services) =>
      new StopEvent({ result: await runNested(ctx, services["echo"] as Echo, { x: 1 }) }),
  );
}

const withManager = (serviceManager: ServiceManager) =>
  ({ serviceManager }) as unknown as WorkflowOptions;

describe("new W({ serviceManager })", () => {
  it("registers the manager's services as the instance's services", async () => {
    const echo = new Echo();
    const serviceManager = new ServiceManager().add("echo", echo);
    const wf = new UsesEcho(withManager(serviceManager));
    expect(wf.services.get("echo")).toBe(echo);
    expect(await wf.run()).toBe("echo:1");
  });

  it("sees a service added to the manager after the workflow was made", async () => {
    const serviceManager = new ServiceManager();
    const wf = new UsesEcho(withManager(serviceManager));
    serviceManager.add("echo", new Echo());
    expect(await wf.run()).toBe("echo:1");
  });
});
