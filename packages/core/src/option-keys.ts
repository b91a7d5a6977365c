// Checks shared by every options object a user passes (workflow, run, resume, step): unknown
// keys with the nearest known one, and values shown as written.
import { nearestName } from "./nearest-name.js";

/**
 * One problem per key of `options` that is not in `known`, naming the nearest known key
 * (`timout` → "did you mean timeout?"), or the one an alias stands for (`ctx` → `context`).
 */
export function unknownKeyProblems(
  options: object,
  known: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = aliases[key] ?? nearestName(key, known);
    problems.push(
      `unknown option ${JSON.stringify(key)}${near === undefined ? "" : `: did you mean ${near}?`} (known: ${known.join(", ")})`,
    );
  }
  return problems;
}

/** A value as the user wrote it: strings quoted (`"4"`, not `4`), objects as JSON. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return `a function ${value.name || "(anonymous)"}`;
  if (typeof value === "bigint") return `${value}n`;
  if (value !== null && typeof value === "object") {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return `an object of class ${value.constructor?.name ?? "Object"}`;
    }
  }
  return String(value);
}
