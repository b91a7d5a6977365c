// The recorder that recordSpans() registered, so testRun can hand back a run's own spans.
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** What testRun needs of the registered recorder. */
export interface RunSpanSource {
  /** The run span of `runId` and every span under it, in start order. */
  spansOfRun(runId: string): ReadableSpan[];
}

// One OpenTelemetry registration per process is all the API allows, so one recorder at a time.
let active: RunSpanSource | undefined;

export function activeRecorder(): RunSpanSource | undefined {
  return active;
}

export function setActiveRecorder(recorder: RunSpanSource | undefined): void {
  active = recorder;
}
