// A run's event buses as Observables: events no step accepted, and every event steps emitted.
import { Observable, Subject } from "rxjs";
import type { Event } from "../event.js";
import type { RunState, UnhandledEvent } from "./run-state.js";

/** Events no step accepted (hot, no replay), then complete at the run's end. */
export function unhandledOf(run: RunState): Observable<UnhandledEvent> {
  return new Observable<UnhandledEvent>((subscriber) => {
    if (run.settled) {
      subscriber.complete();
      return undefined;
    }
    run.unhandledEvents ??= new Subject<UnhandledEvent>();
    return run.unhandledEvents.subscribe(subscriber);
  });
}

/**
 * Every event a step of this run returns or sends, as it is emitted (hot, no replay), then
 * complete at the run's end. Events sent from outside (`handler.sendEvent`) are not in it, so
 * two runs bridged both ways cannot echo an event back and forth.
 */
export function emittedOf(run: RunState): Observable<Event> {
  return new Observable<Event>((subscriber) => {
    if (run.settled) {
      subscriber.complete();
      return undefined;
    }
    run.emittedEvents ??= new Subject<Event>();
    return run.emittedEvents.subscribe(subscriber);
  });
}
