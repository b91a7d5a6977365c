// How an error message names a value a user passed where an event (or class) belongs.

/** "null", "the class/function Foo", "an object of class Bar", "string \"x\"". */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `the class/function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") return `an object of class ${value.constructor?.name ?? "Object"}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
