export {
  createServer,
  type ServerOptions,
  type ListenOptions,
  type ListeningServer,
  type WorkflowServer,
} from "./create-server.js";
export type { InspectorOptions } from "./internal/inspector.js";
export type { RunInfo, RunErrorInfo } from "./internal/run-registry.js";
export type { StepsSummary, StepCounts } from "./internal/steps-summary.js";
export type { ErrorIssue } from "./internal/http-error.js";
