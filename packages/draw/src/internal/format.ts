/** "250 ms", "5 s", "1.5 s". */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(2))} s`;
}

/** "1 worker", "4 workers". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** JSON of a value for humans: never throws, cut to `max` characters. */
export function previewJson(value: unknown, max = 400): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) =>
        typeof v === "bigint" ? `${v}n` : v instanceof Error ? `${v.name}: ${v.message}` : v,
      ) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
