// Option checks shared by the worker and the client: unknown keys are named, with the nearest
// known one.
import { WorkflowValidationError, nearestName } from "@eventloom/core";

export function checkKeys(call: string, options: object, known: readonly string[]): void {
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearestName(key, known);
    problems.push(
      `${call}: unknown option ${JSON.stringify(key)}${near === undefined ? "" : ` (did you mean ${near}?)`}; known: ${known.join(", ")}`,
    );
  }
  if (problems.length > 0) throw new WorkflowValidationError(problems);
}

export function positiveInteger(call: string, name: string, value: unknown, min = 1): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min)) {
    throw new WorkflowValidationError(
      `${call}: ${name} must be an integer >= ${min}; got ${String(value)}`,
    );
  }
}
