import type { Context } from "@eventloom/core";
import { ProgressEvent } from "./events.js";

/**
 * Writes a progress line to the run's stream (the article's `ctx.write_event_to_stream`), marked
 * with the workflow and step that wrote it.
 */
export function reportProgress(
  ctx: Pick<Context, "workflow" | "writeEventToStream">,
  step: string,
  message: string,
): void {
  ctx.writeEventToStream(
    new ProgressEvent({ source: `${ctx.workflow.workflowName}.${step}`, message }),
  );
}
