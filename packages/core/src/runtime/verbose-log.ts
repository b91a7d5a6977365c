// Verbose mode as an observer of the run's ledger: "Running step X", "Step X produced event Y".
import { type EventClass, eventTypeName } from "../event.js";
import type { RunLedger } from "./run-ledger.js";
import type { RunSettings } from "./run-settings.js";

/** The lines `verbose: true` writes to the workflow's `logger`. */
export function verboseLog(settings: RunSettings, runId: () => string): RunLedger {
  const log = settings.log;
  return {
    attemptStarted(view) {
      log(`Running step ${view.step!.name}`);
    },
    attemptEnded(view, outcome) {
      if (outcome.failed) return;
      const step = view.step!.name;
      const ev = outcome.returned;
      if (ev === undefined) log(`Step ${step} produced no event`);
      else log(`Step ${step} produced event ${eventTypeName(ev.constructor as EventClass)}`);
    },
    retryScheduled(view, delayMs) {
      log(`Step ${view.step!.name} failed (attempt ${view.attempt}); retrying in ${delayMs} ms`);
    },
    settled(status) {
      if (status !== "completed") log(`Run ${runId()} ${status}`);
    },
  };
}
