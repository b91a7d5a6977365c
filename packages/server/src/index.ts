export {
  createServer,
  type ServerOptions,
  type ListenOptions,
  type ListeningServer,
  type WorkflowServer,
} from "./create-server.js";
export type { InspectorOptions } from "./inspector-options.js";

export type { RunInfo, RunErrorInfo } from "./run-info.js";
export type { StepsSummary, StepCounts } from "./steps-summary.js";
export type { ErrorIssue } from "./error-issue.js";
