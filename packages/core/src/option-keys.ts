// Checks shared by every options object a user passes (workflow, run, resume, step): unknown
// keys with the nearest known one, and values shown as written.

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
    const near = aliases[key] ?? nearest(key, known);
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

/** The known key closest to `key` by edit distance, if it is close enough to be a typo. */
function nearest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = key.toLowerCase();
  for (const k of known) {
    const d = lower === k.toLowerCase() ? 0 : distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Levenshtein distance (keys are short: the quadratic table is fine). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + cost));
    }
    row = next;
  }
  return row[b.length]!;
}
