import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { WorkflowHandler } from "@eventloom/core";
import { drawMostRecentExecution } from "@eventloom/draw";

/**
 * Draws the path the run took (`drawMostRecentExecution` of `@eventloom/draw`) to
 * `<outDir>/run-<runId>.html`: one self-contained page that opens offline. Returns its path.
 */
export async function drawRun(outDir: string, handler: WorkflowHandler<unknown>): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `run-${handler.runId}.html`);
  drawMostRecentExecution(handler, { filename: file });
  return file;
}
