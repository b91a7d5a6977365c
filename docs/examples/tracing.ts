import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { z } from "zod";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

// #region setup
// Any OpenTelemetry SDK works; this one keeps the spans in memory so we can print them.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
// Without a context manager, your own spans do not nest under the step's span.
const contextManager = new AsyncLocalStorageContextManager().enable();
context.setGlobalContextManager(contextManager);
// #endregion setup

// #region workflow
class Question extends Event.define({ text: z.string() }) {}

class AnswerWorkflow extends Workflow {
  ask = step({ accepts: [StartEvent], emits: [Question] }, (ev) => {
    return new Question({ text: String(ev["question"]) });
  });

  answer = step({ accepts: [Question], emits: [StopEvent] }, async (ev) => {
    // The step body runs inside its span: this span nests under "step answer".
    const tracer = trace.getTracer("my-app");
    return tracer.startActiveSpan("llm.call", async (span) => {
      span.setAttribute("llm.prompt", ev.text);
      span.end();
      return new StopEvent({ result: "42" });
    });
  });
}

await new AnswerWorkflow().run({ question: "life?" });
// #endregion workflow

// #region print
const spans = exporter.getFinishedSpans();
const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
const depth = (s: (typeof spans)[number]): number => {
  const parent = s.parentSpanContext?.spanId;
  return parent !== undefined && byId.has(parent) ? 1 + depth(byId.get(parent)!) : 0;
};
for (const s of [...spans].sort((a, b) => depth(a) - depth(b))) {
  console.log(`${"  ".repeat(depth(s))}${s.name}`);
}
// invoke_workflow AnswerWorkflow
//   step ask
//   step answer
//     llm.call
// #endregion print

await provider.shutdown();
context.disable();
trace.disable();
