// A run's fan-in buffers (`ctx.collectEvents`): one per step and `bufferId`.
import { WorkflowRuntimeError } from "../errors.js";
import { Event, type EventClass, isEventClass } from "../event.js";
import { Collector, type Taken } from "./collector.js";
import { describeValue } from "./describe-value.js";
import type { StepView } from "./step-view.js";
import type { ProducerLink, RunTracing } from "./tracing.js";

export class FanIn {
  /** The buffers by key: the step's name, then NUL and the `bufferId` if one is given. */
  readonly buffers = new Map<string, Collector<ProducerLink>>();
  /** The buffer last collected from, and the class last checked as `expected` (fan-ins repeat). */
  private lastKey: string | undefined = undefined;
  private lastBuffer: Collector<ProducerLink> | undefined = undefined;
  private lastClass: EventClass | undefined = undefined;

  /** The buffer of a key, made on first use. */
  buffer(key: string): Collector<ProducerLink> {
    if (key === this.lastKey) return this.lastBuffer!;
    let buffer = this.buffers.get(key);
    if (buffer === undefined) this.buffers.set(key, (buffer = new Collector()));
    this.lastKey = key;
    this.lastBuffer = buffer;
    return buffer;
  }

  collect(
    view: StepView,
    event: Event,
    expected: EventClass | readonly EventClass[],
    options: { bufferId?: string; count?: number } | undefined,
    tracing: RunTracing,
  ): Event[] | null {
    const step = view.step;
    if (step === undefined) {
      throw new WorkflowRuntimeError(
        "collectEvents belongs inside a step: call it on the step's ctx, not on handler.ctx",
      );
    }
    if (!(event instanceof Event)) {
      throw new WorkflowRuntimeError(
        `collectEvents in step ${step.name}: the first argument must be the event to buffer; got ${describeValue(event)}`,
      );
    }
    const key =
      options?.bufferId === undefined ? step.name : `${step.name}\u0000${options.bufferId}`;
    const collector = this.buffer(key);
    // A step with a retry policy remembers, per invocation, what it collected: its retries share it.
    const memo =
      step.definition.retry !== undefined && event === view.event
        ? (view.memo ??= new Map())
        : undefined;
    const prior = memo?.get(key);
    if (prior === undefined) collector.add(event, event === view.event ? view.link : undefined);
    let taken: Taken<ProducerLink> | null;
    if (Array.isArray(expected)) {
      for (const cls of expected) {
        if (!isEventClass(cls)) {
          throw new WorkflowRuntimeError(
            `collectEvents in step ${step.name}: expected must list event classes; got ${describeValue(cls)}`,
          );
        }
      }
      taken = prior ?? collector.takeEach(expected);
    } else {
      const count = options?.count;
      if (
        (expected !== this.lastClass && !isEventClass(expected)) ||
        typeof count !== "number" ||
        !Number.isInteger(count) ||
        count < 1
      ) {
        throw new WorkflowRuntimeError(
          `collectEvents in step ${step.name}: pass a list of event classes, or one class with { count: n } (n >= 1)`,
        );
      }
      this.lastClass = expected as EventClass;
      taken = prior ?? collector.takeCount(expected as EventClass, count);
    }
    memo?.set(key, taken);
    if (view.host.durable) {
      (view.collectLog ??= []).push({
        key,
        added: prior === undefined ? event : undefined,
        taken: taken?.events ?? [],
      });
    }
    if (taken === null) return null;
    // An attempt that is over has ended its span: links would land on an ended span.
    const links = taken.links;
    if (view.span !== undefined && !view.abandoned && !view.ended && links !== undefined) {
      const own = view.event;
      tracing.addLinks(
        view.span,
        taken.events.map((e, i) => (e === own ? undefined : links[i])),
      );
    }
    // A copy: a retry that gets the memoized batch must not see what this attempt did to it.
    return memo === undefined ? taken.events : taken.events.slice();
  }

  clear(): void {
    this.buffers.clear();
    this.lastKey = undefined;
    this.lastBuffer = undefined;
  }
}
