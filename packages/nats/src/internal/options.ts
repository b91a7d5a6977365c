// Option checks shared by the worker and the client: unknown keys are named, with the nearest
// known one.
import { WorkflowValidationError } from "@eventloom/core";

export function checkKeys(call: string, options: object, known: readonly string[]): void {
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = nearest(key, known);
    problems.push(
      `${call}: unknown option ${JSON.stringify(key)}${near === undefined ? "" : ` (did you mean ${near}?)`}; known: ${known.join(", ")}`,
    );
  }
  if (problems.length > 0) throw new WorkflowValidationError(problems);
}

function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function positiveInteger(call: string, name: string, value: unknown, min = 1): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= min)) {
    throw new WorkflowValidationError(
      `${call}: ${name} must be an integer >= ${min}; got ${String(value)}`,
    );
  }
}
