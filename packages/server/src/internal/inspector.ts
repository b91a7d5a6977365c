// The inspector page and graphs come from @eventloom/inspector, loaded only when it is on.
import type { Workflow } from "@eventloom/core";

/** The inspector's static files, keyed by URL path ("/", "/assets/…"). */
export interface InspectorAssets {
  readonly files: ReadonlyMap<string, { body: string | Uint8Array; contentType: string }>;
  readonly contentSecurityPolicy: string;
}

/** Options of the inspector page. */
export interface InspectorOptions {
  /** A Jaeger UI base URL: the run page links the run's trace there. */
  readonly jaegerUrl?: string;
}

interface InspectorModule {
  workflowGraph?: (workflow: Workflow) => unknown;
  inspectorAssets?: (options: InspectorOptions) => InspectorAssets;
}

let loaded: Promise<InspectorModule> | undefined;

/** @eventloom/inspector, imported once. */
export function inspectorModule(): Promise<InspectorModule> {
  return (loaded ??= import("@eventloom/inspector") as Promise<InspectorModule>);
}
