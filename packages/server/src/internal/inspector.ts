// The inspector page and graphs come from @eventloom/inspector, imported only when it is on.
import type { InspectorPageAssets, workflowGraph } from "@eventloom/inspector";

export type { InspectorPageAssets };

import type { InspectorOptions } from "../inspector-options.js";

interface InspectorModule {
  readonly workflowGraph: typeof workflowGraph;
  readonly inspectorAssets: (options: InspectorOptions) => InspectorPageAssets;
}

let loaded: Promise<InspectorModule> | undefined;

/** @eventloom/inspector, imported once (a server without the inspector never loads it). */
export function inspectorModule(): Promise<InspectorModule> {
  return (loaded ??= import("@eventloom/inspector"));
}
