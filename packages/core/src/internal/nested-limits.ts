// A nested run's timeout and signal: it ends no later than its parent step's run, and with it.
import type { StepView } from "../runtime/step-view.js";

export function nestedLimits(
  parent: StepView | undefined,
  timeoutMs: number | null,
  signal: AbortSignal | undefined,
): { readonly timeoutMs: number | null; readonly signal: AbortSignal | undefined } {
  if (parent === undefined) return { timeoutMs, signal };
  const deadline = parent.deadline;
  if (deadline !== null) {
    const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
    timeoutMs = timeoutMs === null ? remaining : Math.min(timeoutMs, remaining);
  }
  return {
    timeoutMs,
    signal: signal === undefined ? parent.signal : AbortSignal.any([signal, parent.signal]),
  };
}
