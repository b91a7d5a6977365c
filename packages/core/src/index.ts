export type {
  Context,
  Store,
  CollectOptions,
  CollectCountOptions,
  WaitForEventOptions,
  RetryState,
} from "./context.js";
export {
  WorkflowError,
  WorkflowValidationError,
  EventValidationError,
  WorkflowRuntimeError,
  WorkflowTimeoutError,
  StepTimeoutError,
  WorkflowCancelledError,
  JournalError,
  JournalConflictError,
  RunNotFoundError,
  RunOwnedError,
  type WorkflowErrorCode,
} from "./errors.js";
export {
  Event,
  StartEvent,
  StopEvent,
  InputRequiredEvent,
  HumanResponseEvent,
  eventTypeName,
  eventSchema,
  isEventClass,
  type EventClass,
  type EventJSON,
  type EventShape,
  type DefineEventOptions,
  type DefinedEventClass,
  type StartEventBase,
  type StopEventBase,
} from "./event.js";
export type { RetryPolicy, RetryAttemptInfo } from "./retry-policy.js";
export {
  step,
  isStepDefinition,
  type StepDefinition,
  type StepOptions,
  type StepHandler,
  type StepReturn,
  type StepServices,
  type StepDecorator,
} from "./step.js";
export {
  Workflow,
  type WorkflowOptions,
  type RunOptions,
  type ResumeOptions,
  type RunInput,
  type RunResult,
  type StatefulWorkflow,
  type StatefulWorkflowClass,
} from "./workflow.js";
export { WorkflowHandler, type UnhandledEvent } from "./workflow-handler.js";
export {
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
  WorkflowCancelledEvent,
} from "./workflow-events.js";
export type { ExecutionRecord } from "./runtime/step-view.js";
export { describeWorkflow, type WorkflowDescription, type StepDescription } from "./describe.js";
export { VERSION } from "./version.js";
export type {
  Journal,
  JournalEntry,
  JournalRunInfo,
  JournalRunFilter,
  JournalRunStatus,
} from "./journal.js";
export { memoryJournal } from "./memory-journal.js";
export type {
  RunSnapshot,
  SnapshotInvocation,
  SnapshotError,
  SnapshotStatus,
} from "./runtime/snapshot.js";
export { nearestName } from "./nearest-name.js";
