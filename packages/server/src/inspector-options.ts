// The options of the inspector page a server can serve (`createServer({ inspector })`).

/** Options of the inspector page (`createServer({ inspector })`). */
export interface InspectorOptions {
  /** A Jaeger UI base URL: the run page links the run's trace there. */
  readonly jaegerUrl?: string;
}
