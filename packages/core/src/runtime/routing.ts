// The bus: routes each event by class in O(1) to the steps (and waiters) that take it.
import { WorkflowRuntimeError } from "../errors.js";
import { Event, type EventClass, StopEvent, eventTypeName } from "../event.js";
import { type Route, type StepRecord, rememberOutput, routeOf } from "../internal/plan.js";
import { describeValue } from "./describe-value.js";
import { RunScheduling } from "./scheduling.js";
import type { StepView } from "./step-view.js";
import type { ProducerLink } from "./tracing.js";

export abstract class RunRouting extends RunScheduling {
  /**
   * Routes an event by class in O(1) (its route comes cached from the producing step, or from
   * the plan) to the worker pools of the steps that accept it, or to one target step.
   */
  route(
    event: Event,
    link: ProducerLink | undefined,
    target: StepRecord | undefined,
    known: Route | undefined,
  ): void {
    if (this.settled) return;
    const route = known ?? routeOf(this.settings.plan, event);
    if (route.stop) {
      this.complete(event as StopEvent);
      return;
    }
    if (target !== undefined) {
      this.push(target, event, link);
      return;
    }
    // A waiter takes the event first, and consumes it (one event wakes one waiter).
    if (this.waiters !== undefined && this.deliverToWaiters(this.waiters, event)) return;
    const steps = route.steps;
    if (steps !== undefined) {
      for (let i = 0; i < steps.length; i++) this.push(steps[i]!, event, link);
      return;
    }
    if (this.waitedFor !== undefined && this.bufferForWaits(event)) return;
    // A returned InputRequiredEvent went to the stream: that is where it is handled.
    if (!(route.inputRequired && this.streamedInputs?.has(event) === true)) {
      const reason = `no step accepts ${eventTypeName(event.constructor as EventClass)}`;
      if (this.settings.verbose) this.settings.log(`Unhandled event: ${reason}`);
      this.unhandledEvents?.next({ event, reason });
    }
  }

  /** Puts an event on the bus, or holds it for the start or the next round in stepwise mode. */
  emit(
    from: StepView | undefined,
    event: Event,
    link: ProducerLink | undefined,
    target: StepRecord | undefined,
    route: Route | undefined,
  ): void {
    if (from !== undefined && this.emittedEvents !== undefined) this.emittedEvents.next(event);
    if (this.stepwise) {
      const round = this.round;
      if (from !== undefined && round !== undefined) {
        round.produced.push({ seq: from.seq, env: { event, link, target } });
        // A stop event in a round ends the run at once and aborts the rest of the round.
        if (event instanceof StopEvent) this.complete(event);
        return;
      }
    }
    if (this.stepwise || !this.started) {
      (this.pending ??= []).push({ event, link, target });
      return;
    }
    this.route(event, link, target, route);
  }

  /** `ctx.sendEvent` of a step, or `handler.sendEvent` (the caller's view): checked, then emitted. */
  send(view: StepView, event: Event, stepName: string | undefined): void {
    const step = view.step;
    let route: Route | undefined;
    // A step sending the class it last returned or sent: checked then, routed as then.
    if (
      step !== undefined &&
      typeof event === "object" &&
      event !== null &&
      Object.getPrototypeOf(event) === step.lastOutput
    ) {
      route = step.lastRoute;
    } else {
      if (!(event instanceof Event)) {
        throw new WorkflowRuntimeError(
          `sendEvent${view.where()} got ${describeValue(event)}, not an event: send instances of Event classes`,
        );
      }
      if (step !== undefined) {
        const cls = event.constructor as EventClass;
        if (!step.emits.has(cls)) {
          throw new WorkflowRuntimeError(
            `Step ${step.name} sent ${eventTypeName(cls)}, which is not in its emits (${emitsList(step)}): add ${eventTypeName(cls)} to emits`,
          );
        }
        route = rememberOutput(this.settings.plan, step, event);
      }
    }
    const target = stepName === undefined ? undefined : this.targetStep(view, event, stepName);
    if (this.settled) {
      if (step === undefined) {
        throw new WorkflowRuntimeError(
          `Cannot send ${eventTypeName(event.constructor as EventClass)}: run ${this.runId} of ${this.settings.plan.workflowName} has already ended (${this.status})`,
        );
      }
      return;
    }
    if (view.abandoned) return;
    if (step === undefined) {
      if (this.journal !== undefined) {
        // Durable before it is delivered: it goes with the next checkpoint.
        (this.inbound ??= []).push({ event, link: undefined, target });
        this.journal.changed();
        return;
      }
      this.emit(undefined, event, undefined, target, route);
      return;
    }
    view.addOutput(event);
    if (this.journal !== undefined) {
      // Sent with the attempt's outcome: nothing of an attempt is seen before it ends.
      view.defer().sends.push({ event, target: target?.name });
      return;
    }
    const span = view.span;
    this.emit(
      view,
      event,
      span === undefined ? undefined : this.tracing.linkOf(span),
      target,
      route,
    );
  }

  /** The step named in `sendEvent(ev, { step })`, checked to exist and accept the event. */
  private targetStep(view: StepView, event: Event, stepName: string): StepRecord {
    const plan = this.settings.plan;
    const cls = event.constructor as EventClass;
    const target = plan.byName.get(stepName);
    if (target === undefined) {
      throw new WorkflowRuntimeError(
        `sendEvent${view.where()}: there is no step named "${stepName}" in ${plan.workflowName} (steps: ${[...plan.byName.keys()].join(", ")})`,
      );
    }
    if (!target.acceptsSet.has(cls)) {
      throw new WorkflowRuntimeError(
        `sendEvent${view.where()}: step ${stepName} does not accept ${eventTypeName(cls)} (it accepts ${target.definition.accepts.map(eventTypeName).join(", ")})`,
      );
    }
    return target;
  }
}

/** A step's emits, for messages. */
export function emitsList(step: StepRecord): string {
  return step.definition.emits.length === 0
    ? "none"
    : step.definition.emits.map(eventTypeName).join(", ");
}
