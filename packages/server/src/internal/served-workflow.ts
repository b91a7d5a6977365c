// A workflow as this server serves it: under the name clients use.
import type { Workflow } from "@eventloom/core";

/** A workflow served under a name. */
export interface ServedWorkflow {
  readonly name: string;
  readonly workflow: Workflow;
}
