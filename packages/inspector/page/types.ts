// The shapes of the server's public routes, as the page reads them. Everything is checked
// loosely at use: a field the page does not know is ignored, a missing one shows as "—".
import type { InspectorGraph } from "../src/workflow-graph-types.js";

export type { InspectorGraph };

export interface WorkflowInfo {
  readonly name: string;
  readonly startEvent?: unknown;
  readonly accepts?: readonly string[];
  readonly graph?: InspectorGraph;
}

export interface RunSummary {
  readonly runId: string;
  readonly workflow: string;
  readonly status: string;
  readonly startedAt?: string | number;
  readonly updatedAt?: string | number;
}

export interface RunDetail {
  readonly runId: string;
  readonly workflow: string;
  readonly status: string;
  readonly result?: unknown;
  readonly error?: { readonly code?: string; readonly message?: string };
  readonly traceId?: string;
  readonly startedAt?: string | number | undefined;
  readonly updatedAt?: string | number | undefined;
}

export interface StepState {
  readonly name: string;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly waiting: number;
}

export interface Waiting {
  readonly step: string;
  readonly type: string;
  readonly schema?: unknown;
}

export interface StepsInfo {
  readonly runId: string;
  readonly status: string;
  readonly steps: readonly StepState[];
  readonly waiting: readonly Waiting[];
}
