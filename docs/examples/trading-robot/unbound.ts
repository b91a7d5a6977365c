import { StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

// #region workflow
class TestWorkflow extends Workflow {}

// Python's @step(workflow=TestWorkflow): a step added from outside the class.
TestWorkflow.addStep(
  step({ name: "someStep", accepts: [StartEvent], emits: [StopEvent] }, () => {
    return new StopEvent({ result: "unbound step ran" });
  }),
);

console.log(await new TestWorkflow().run());
// #endregion workflow
