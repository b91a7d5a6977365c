import { z } from "zod";
import { type Context, Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

class Draft extends Event.define({ text: z.string() }) {}
class Reviewed extends Event.define({ text: z.string(), approved: z.boolean() }) {}
class AuditEvent extends Event.define({ line: z.string() }) {}

// #region forms
class PublishWorkflow extends Workflow {
  // 1. A step field: `ev` is typed from `accepts`, no decorator support needed.
  write = step({ accepts: [StartEvent], emits: [Draft] }, (ev) => {
    return new Draft({ text: String(ev["topic"]) });
  });

  // 2. A decorated method, as in LlamaIndex's Python `@step`.
  @step({ accepts: [Draft], emits: [Reviewed, AuditEvent] })
  async review(ev: Draft, ctx: Context) {
    ctx.sendEvent(new AuditEvent({ line: `reviewing "${ev.text}"` }));
    return new Reviewed({ text: ev.text, approved: ev.text.length > 3 });
  }

  publish = step({ accepts: [Reviewed], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: ev.approved ? `published: ${ev.text}` : "rejected" });
  });
}

// 3. An unbound step, added to the class from outside.
const audit: string[] = [];
PublishWorkflow.addStep(
  step({ name: "audit", accepts: [AuditEvent], emits: [] }, (ev) => {
    audit.push(ev.line);
  }),
);
// #endregion forms

console.log(await new PublishWorkflow().run({ topic: "workflows" })); // published: workflows
console.log(audit); // [ 'reviewing "workflows"' ]

// #region state
class Counted extends Event.define({ n: z.number() }) {}

class CounterWorkflow extends Workflow {
  // The run's store starts from these defaults; every set() is validated.
  static override state = z.object({ seen: z.array(z.string()).default([]) });

  begin = step(
    { accepts: [StartEvent], emits: [Counted] },
    async (ev, ctx: Context<{ seen: string[] }>) => {
      await ctx.store.set("seen", [String(ev["word"])]);
      return new Counted({ n: 1 });
    },
  );

  finish = step(
    { accepts: [Counted], emits: [StopEvent] },
    async (ev, ctx: Context<{ seen: string[] }>) => {
      const seen = await ctx.store.get("seen");
      return new StopEvent({ result: `${seen.join(",")} x${ev.n}` });
    },
  );
}

// Two runs of one instance each have their own store.
const counter = new CounterWorkflow();
console.log(await Promise.all([counter.run({ word: "a" }), counter.run({ word: "b" })])); // [ 'a x1', 'b x1' ]
// #endregion state
