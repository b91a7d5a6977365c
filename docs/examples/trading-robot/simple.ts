import { type Context, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { SecondStepEvent } from "./shared.js";

// #region workflow
class SimpleWorkflow extends Workflow {
  start = step({ accepts: [StartEvent], emits: [SecondStepEvent] }, async (ev) => {
    return new SecondStepEvent({ payload: String(ev["payload"]) });
  });

  @step({ accepts: [SecondStepEvent], emits: [StopEvent] })
  async secondStep(ev: SecondStepEvent, _ctx: Context) {
    return new StopEvent({ result: ev.payload });
  }
}

const result = await new SimpleWorkflow({ verbose: true }).run({ payload: "This is the payload" });
console.log(result);
// #endregion workflow
