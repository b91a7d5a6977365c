export {
  WorkflowClient,
  type WorkflowClientOptions,
  type RemoteRunInfo,
  type RemoteWorkflowInfo,
  type RemoteRunOptions,
  type RemoteResult,
  type TypedWorkflowClient,
} from "./workflow-client.js";
export { WorkflowClientError, RemoteRunError, type RemoteIssue } from "./errors.js";
export type {
  RemoteHandler,
  RemoteEvent,
  RemoteEventInput,
  RemoteRunState,
} from "./remote-handler.js";
