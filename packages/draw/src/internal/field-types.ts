import type { z } from "zod";

/** One field of an event's schema, as the drawing shows it. */
export interface FieldDescription {
  readonly name: string;
  readonly type: string;
}

interface SchemaDef {
  readonly type: string;
  readonly innerType?: SchemaLike;
  readonly element?: SchemaLike;
  readonly options?: readonly SchemaLike[];
  readonly keyType?: SchemaLike;
  readonly valueType?: SchemaLike;
  readonly values?: readonly unknown[];
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly shape?: Readonly<Record<string, SchemaLike>>;
  readonly in?: SchemaLike;
  readonly items?: readonly SchemaLike[];
}
interface SchemaLike {
  readonly _zod?: { readonly def?: SchemaDef };
}

/** The fields of a zod object schema with a short TypeScript-like type for each. */
export function describeFields(schema: z.ZodObject | undefined): FieldDescription[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    type: typeText(field as SchemaLike, 0),
  }));
}

// Reads zod 4's public `_zod.def` tree. Anything unknown shows as its def type name, so a new
// zod schema kind degrades to a plain label instead of breaking the drawing.
function typeText(schema: SchemaLike | undefined, depth: number): string {
  const def = schema?._zod?.def;
  if (def === undefined) return "unknown";
  if (depth > 3) return "…";
  const inner = (s: SchemaLike | undefined) => typeText(s, depth + 1);
  switch (def.type) {
    case "optional":
      return `${inner(def.innerType)} (optional)`;
    case "nullable":
      return `${inner(def.innerType)} | null`;
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return inner(def.innerType);
    case "array":
      return `${wrap(inner(def.element))}[]`;
    case "union":
      return (def.options ?? []).map(inner).join(" | ");
    case "record":
      return `Record<${inner(def.keyType)}, ${inner(def.valueType)}>`;
    case "literal":
      return (def.values ?? []).map((v) => JSON.stringify(v) ?? String(v)).join(" | ");
    case "enum":
      return Object.values(def.entries ?? {})
        .map((v) => JSON.stringify(v) ?? String(v))
        .join(" | ");
    case "object": {
      const keys = Object.keys(def.shape ?? {});
      return keys.length === 0 ? "{}" : `{ ${keys.join(", ")} }`;
    }
    case "pipe":
      return inner(def.in);
    case "tuple":
      return `[${(def.items ?? []).map(inner).join(", ")}]`;
    default:
      return def.type;
  }
}

function wrap(text: string): string {
  return /[ |]/.test(text) ? `(${text})` : text;
}
