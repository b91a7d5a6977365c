import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SpanRecord } from "./span-record.js";

/** The root run span of the run `runId` among `spans`, if it was recorded. */
export function runSpanOf(spans: readonly SpanRecord[], runId: string): SpanRecord | undefined {
  return spans.find(
    (s) => s.attributes["eventloom.run.id"] === runId && s.name.startsWith("invoke_workflow "),
  );
}

/**
 * Writes the whole trace of the run `runId` (its own spans, its nested runs' and the user's
 * spans inside them) to `<outDir>/trace-<runId>.json`, as an array of spans in start order.
 * Returns the file's path, or `undefined` when the run left no span.
 */
export async function writeTraceFile(
  outDir: string,
  runId: string,
  spans: readonly SpanRecord[],
): Promise<string | undefined> {
  const root = runSpanOf(spans, runId);
  if (root === undefined) return undefined;
  const trace = spans
    .filter((s) => s.traceId === root.traceId)
    .sort((a, b) => compareBigInt(BigInt(a.startTimeUnixNano), BigInt(b.startTimeUnixNano)));
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `trace-${runId}.json`);
  await writeFile(file, `${JSON.stringify(trace, null, 2)}\n`);
  return file;
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
