import {
  type Event,
  type EventClass,
  WorkflowHandler,
  WorkflowValidationError,
  isEventClass,
} from "@eventloom/core";
import { Subscription, merge } from "rxjs";

/** What {@link bridge} returns: a handle to stop the bridge before either run ends. */
export interface Bridge {
  /** True once the bridge has stopped (either run ended, or `unsubscribe()` was called). */
  readonly closed: boolean;
  /** How many events the bridge has delivered so far. */
  readonly delivered: number;
  /** Stops the bridge now; does nothing if it has stopped already. */
  unsubscribe(): void;
}

/**
 * Delivers events of the given classes from one running workflow into another: every such event
 * that a step of `from` returns or sends (`from.emitted$`), or writes to its stream
 * (`from.events$`), is sent into `to` with `to.sendEvent(event)`, where it reaches the steps that
 * accept it and any `ctx.waitForEvent` waiting for it. Classes match exactly, as routing does.
 *
 * Bridges are one-way; two of them make a conversation (`bridge(a, b, [Request])` and
 * `bridge(b, a, [Reply])`). Events delivered into a run are not re-emitted by it, so a pair of
 * bridges never echoes an event back. The bridge stops by itself when either run ends, and
 * `unsubscribe()` stops it earlier.
 *
 * Set a bridge up right after `run()`, in the same tick: it attaches a consumer to `from`'s
 * stream, and a stream keeps its backlog only for its first consumer (start your own
 * `streamEvents()` in the same tick too).
 *
 * @example
 * const monitor = new TradeMonitor().run({ payload: "NVDA" });
 * const station = new TradeStation().run();
 * bridge(monitor, station, [TradeEventV2]); // orders go to the station
 * bridge(station, monitor, [TradeDoneEvent]); // confirmations come back
 * await Promise.all([monitor, station]);
 */
export function bridge(
  from: WorkflowHandler<unknown>,
  to: WorkflowHandler<unknown>,
  types: readonly EventClass[],
): Bridge {
  const wanted = checkArguments(from, to, types);
  // An event can be both emitted and streamed (a returned InputRequiredEvent): deliver it once.
  const seen = new WeakSet<Event>();
  let delivered = 0;
  // Created first: the stream replays its backlog during subscribe(), which may already stop.
  const subscription = new Subscription();
  const stop = (): void => subscription.unsubscribe();
  const deliver = (event: Event): void => {
    if (!wanted.has(event.constructor as EventClass) || seen.has(event)) return;
    seen.add(event);
    if (to.isDone()) {
      stop();
      return;
    }
    try {
      to.sendEvent(event);
      delivered++;
    } catch {
      // `to` ended between the check and the send: nothing left to deliver to.
      stop();
    }
  };
  // Both sources complete when `from` ends.
  subscription.add(merge(from.emitted$, from.events$).subscribe({ next: deliver, complete: stop }));
  if (from.isDone() || to.isDone()) stop();
  else void to.result.then(stop, stop);
  return {
    get closed() {
      return subscription.closed;
    },
    get delivered() {
      return delivered;
    },
    unsubscribe: stop,
  };
}

function checkArguments(
  from: unknown,
  to: unknown,
  types: readonly EventClass[],
): ReadonlySet<EventClass> {
  const problems: string[] = [];
  if (!(from instanceof WorkflowHandler))
    problems.push("from must be a running workflow's handler (what workflow.run() returns)");
  if (!(to instanceof WorkflowHandler))
    problems.push("to must be a running workflow's handler (what workflow.run() returns)");
  if (from === to && from !== undefined)
    problems.push("from and to are the same run: use ctx.sendEvent inside a workflow");
  if (!Array.isArray(types) || types.length === 0)
    problems.push("types must be a non-empty list of event classes, e.g. [TradeEventV2]");
  else
    for (const t of types)
      if (!isEventClass(t))
        problems.push(
          `types must list event classes; got ${typeof t === "function" ? `the function ${t.name}` : String(t)}`,
        );
  if (problems.length > 0)
    throw new WorkflowValidationError(problems.map((p) => `bridge(from, to, types): ${p}`));
  return new Set(types);
}
