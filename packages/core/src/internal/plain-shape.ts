// Event data of a "plain" shape (bare number, string and boolean fields): checked by `typeof`
// and copied, without zod, in code compiled per event class where the platform allows it.
import { z } from "zod";

/**
 * A shape whose fields are all bare `z.number()`, `z.string()` or `z.boolean()` (no checks,
 * formats, coercion, defaults or transforms) in a bare `z.object`: valid data is then known by
 * `typeof` alone, and parsed data equals the input's fields in shape order. Events built from
 * valid data skip zod; anything else (including every invalid input, for zod's own error) goes
 * through `safeParse`.
 */
export interface PlainShape {
  readonly keys: readonly string[];
  readonly types: readonly PlainType[];
}

export type PlainType = "number" | "string" | "boolean";

const PLAIN_TYPES: Readonly<Record<string, string>> = {
  number: "ZodNumber",
  string: "ZodString",
  boolean: "ZodBoolean",
};

export function plainShape(schema: z.ZodObject): PlainShape | undefined {
  const objectDef = schema._zod.def as { checks?: unknown[]; catchall?: unknown };
  if ((objectDef.checks?.length ?? 0) > 0 || objectDef.catchall !== undefined) return undefined;
  const keys: string[] = [];
  const types: PlainType[] = [];
  for (const [key, field] of Object.entries(schema.shape)) {
    // Assigning "__proto__" would set the prototype: zod's own parse handles that key.
    if (key === "__proto__") return undefined;
    const def = (field as z.ZodType)._zod.def as {
      type: string;
      checks?: unknown[];
      coerce?: boolean;
      format?: unknown;
      check?: unknown;
    };
    if (
      PLAIN_TYPES[def.type] === undefined ||
      (field as object).constructor?.name !== PLAIN_TYPES[def.type] ||
      (def.checks?.length ?? 0) > 0 ||
      def.coerce === true ||
      def.format !== undefined ||
      def.check !== undefined
    ) {
      return undefined;
    }
    keys.push(key);
    types.push(def.type as PlainType);
  }
  return { keys, types };
}

/**
 * The check-and-copy of a plain shape. Compiled to a function of its own per event class where
 * the platform allows it (as zod itself does, and only where zod would: not under
 * `z.config({ jitless: true })` or a policy that forbids `new Function`): each class then has its
 * own inline caches, so constructing events of many classes stays as fast as of one. Elsewhere a
 * generic loop does the same.
 * @internal exported for tests, which hold both forms to zod's results.
 */
export function plainInitializer(
  keys: readonly string[],
  types: readonly PlainType[],
  compile: boolean,
): (target: object, data: unknown) => boolean {
  const check = plainCheck<object, undefined>(keys, types, compile, () => false);
  return (target, data) => check(target, data, undefined) !== false;
}

/**
 * Checks data against a plain shape and copies it onto the target, or hands it to `invalid`
 * (copying nothing). Compiled, the check and the fallback are one call per event.
 */
export function plainCheck<T extends object, C>(
  keys: readonly string[],
  types: readonly PlainType[],
  compile: boolean,
  invalid: (target: T, data: unknown, cls: C) => unknown,
): (target: T, data: unknown, cls: C) => unknown {
  if (compile) {
    const body = plainCode(keys, types, "t", "return invalid(t, d, cls);");
    try {
      return new Function(
        "invalid",
        `return function check(t, d, cls) {\n${body}\nreturn true;\n};`,
      )(invalid) as (target: T, data: unknown, cls: C) => unknown;
    } catch {
      // A policy that forbids code generation: use the loop below.
    }
  }
  return (target, data, cls) => {
    if (!isPlainValid(keys, types, data)) return invalid(target, data, cls);
    const fields = data as Record<string, unknown>;
    const out = target as unknown as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = fields[keys[i]!];
    return true;
  };
}

/** Whether event classes may compile their check (zod's own test: `jitless`, `new Function`). */
export function canCompile(): boolean {
  return z.core.globalConfig.jitless !== true && z.core.util.allowsEval.value;
}

function isPlainValid(
  keys: readonly string[],
  types: readonly PlainType[],
  data: unknown,
): boolean {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return false;
  const fields = data as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const value = fields[keys[i]!];
    const type = types[i];
    if (typeof value !== type) return false;
    if (type === "number" && !Number.isFinite(value)) return false;
  }
  return true;
}

/**
 * The statements that check `d` against a plain shape (running `bad` at the first failure) and
 * then copy its fields onto `target`, in shape order.
 */
export function plainCode(
  keys: readonly string[],
  types: readonly PlainType[],
  target: string,
  bad: string,
): string {
  const lit = (k: string) => JSON.stringify(k);
  const reads = keys.map((k, i) => `const v${i} = d[${lit(k)}];`);
  const checks = types.map((t, i) =>
    t === "number"
      ? `if (typeof v${i} !== "number" || !Number.isFinite(v${i})) ${bad}`
      : `if (typeof v${i} !== ${lit(t)}) ${bad}`,
  );
  const writes = keys.map((k, i) => `${target}[${lit(k)}] = v${i};`);
  return [
    `if (d === null || typeof d !== "object" || Array.isArray(d)) ${bad}`,
    ...reads,
    ...checks,
    ...writes,
  ].join("\n");
}
