const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become
 * `\u003c`-style escapes, so no name can close the tag (`</script>`) or open a comment, and the
 * line separators that older parsers reject are escaped too. `JSON.parse` reads it unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Text for a quoted Mermaid label. Mermaid reads `#...;` as an entity code and labels may hold
 * HTML, so quotes, `#`, `<`, `>`, `&` and backticks become decimal entity codes (`#60;`), and line
 * breaks become spaces.
 */
export function escapeMermaidLabel(text: string): string {
  return text.replace(/\r\n|\r|\n/g, " ").replace(/["#<>&`]/g, (c) => `#${c.charCodeAt(0)};`);
}

/** A Mermaid node id made of `[A-Za-z0-9_]` only, unique within `taken` (which it extends). */
export function mermaidId(base: string, taken: Set<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_]/g, "_");
  let id = clean;
  for (let n = 2; taken.has(id); n++) id = `${clean}_${n}`;
  taken.add(id);
  return id;
}
