export {
  createServer,
  type ServerOptions,
  type ListenOptions,
  type ListeningServer,
  type WorkflowServer,
  type InspectorOptions,
} from "./create-server.js";

export type { RunInfo, RunErrorInfo } from "./run-info.js";
export type { StepsSummary, StepCounts } from "./steps-summary.js";
export type { ErrorIssue } from "./error-issue.js";
