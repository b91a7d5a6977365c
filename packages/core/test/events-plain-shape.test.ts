import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { plainInitializer } from "../src/internal/plain-shape.js";
import { Event, EventValidationError, StartEvent } from "../src/index.js";

// Events whose fields are all bare z.number() / z.string() / z.boolean() skip zod for valid
// data. These tests hold them to exactly what zod gives, for any input.

class Plain extends Event.define({ n: z.number(), s: z.string(), b: z.boolean() }) {}
class PlainStart extends StartEvent.define({ stock: z.string(), qty: z.number() }) {}
class WithCheck extends Event.define({ n: z.number().min(0), s: z.string() }) {}
class WithInt extends Event.define({ n: z.int() }) {}
class WithDefault extends Event.define({ n: z.number().default(5), s: z.string() }) {}
class Coerced extends Event.define({ n: z.coerce.number() }) {}
class Strict extends Event.define({ n: z.number() }, { name: "Strict" }) {
  static override typeName = "StrictEvent";
}
const strictSchema = z.strictObject({ n: z.number() });
class StrictObject extends Event.define(strictSchema.shape) {}

const classes = [Plain, PlainStart, WithCheck, WithInt, WithDefault, Coerced, Strict, StrictObject];

/**
 * What zod makes of `data` for this class: the parsed fields, or the failing paths. (An event
 * constructor given no data, or null, validates `{}`.)
 */
function viaZod(cls: (typeof classes)[number], data: unknown) {
  const parsed = cls.schema.safeParse(data ?? {});
  return parsed.success
    ? { ok: true as const, fields: parsed.data as Record<string, unknown> }
    : { ok: false as const, paths: parsed.error.issues.map((i) => i.path.join(".")) };
}

function viaEvent(cls: (typeof classes)[number], data: unknown) {
  try {
    const ev = new (cls as unknown as new (d: unknown) => Event)(data);
    return { ok: true as const, fields: { ...ev } as Record<string, unknown> };
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return { ok: false as const, paths: [...(error as EventValidationError).paths] };
  }
}

const value = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);
const keys = fc.constantFrom("n", "s", "b", "stock", "qty", "extra", "__proto__x");
const input = fc.oneof(
  fc.dictionary(keys, value, { maxKeys: 6 }),
  value,
  fc.array(value, { maxLength: 3 }),
);

describe("events of plain fields", () => {
  it("accept and reject exactly what their zod schema does, with the same fields in the same order", () => {
    fc.assert(
      fc.property(fc.constantFrom(...classes), input, (cls, data) => {
        const expected = viaZod(cls, data);
        const actual = viaEvent(cls, data);
        expect(actual.ok).toBe(expected.ok);
        if (expected.ok && actual.ok) {
          expect(Object.keys(actual.fields)).toEqual(Object.keys(expected.fields));
          expect(actual.fields).toEqual(expected.fields);
        } else {
          expect(actual).toEqual(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("strip unknown keys, keep shape order, and read inherited and getter fields as zod does", () => {
    const proto = { n: 1 };
    const data = Object.create(proto, {
      b: { get: () => true, enumerable: true },
      extra: { value: "x", enumerable: true },
      s: { value: "s", enumerable: true },
    }) as object;
    const ev = new Plain(data as never);
    expect(Object.keys(ev)).toEqual(["n", "s", "b"]);
    expect({ ...ev }).toEqual(viaZod(Plain, data).ok ? Plain.schema.parse(data) : {});
    expect(ev.toJSON()).toEqual({ type: "Plain", data: { n: 1, s: "s", b: true } });
  });

  it("reject NaN, infinities, wrong types and missing fields with zod's error, naming the paths", () => {
    for (const [data, paths] of [
      [{ n: NaN, s: "a", b: true }, ["n"]],
      [{ n: Infinity, s: "a", b: true }, ["n"]],
      [{ n: 1, s: 2, b: "yes" }, ["s", "b"]],
      [{ s: "a" }, ["n", "b"]],
    ] as const) {
      const error = (() => {
        try {
          new Plain(data as never);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(EventValidationError);
      expect((error as EventValidationError).paths).toEqual(paths);
      expect((error as EventValidationError).message).toContain("Invalid data for event Plain");
    }
  });

  it("check and copy the same way whether compiled per class or looped, even for awkward keys", () => {
    const awkward = ['a"b', "x y", "ü", "constructor", "0", "n"] as const;
    const types = ["string", "number", "boolean", "string", "number", "boolean"] as const;
    const schema = z.object({
      [awkward[0]]: z.string(),
      [awkward[1]]: z.number(),
      [awkward[2]]: z.boolean(),
      [awkward[3]]: z.string(),
      [awkward[4]]: z.number(),
      [awkward[5]]: z.boolean(),
    });
    const compiled = plainInitializer(awkward, types, true);
    const looped = plainInitializer(awkward, types, false);
    const field = fc.oneof(value, fc.constantFrom("s", 1, true));
    const data = fc.oneof(fc.dictionary(fc.constantFrom(...awkward, "extra"), field), value);
    fc.assert(
      fc.property(data, (d) => {
        const parsed = schema.safeParse(d);
        for (const init of [compiled, looped]) {
          const target: Record<string, unknown> = {};
          const ok = init(target, d);
          expect(ok).toBe(parsed.success);
          // A rejected input leaves the event untouched; an accepted one holds exactly zod's fields.
          expect(target).toEqual(ok ? parsed.data : {});
          if (ok) expect(Object.keys(target)).toEqual(Object.keys(parsed.data!));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("construct the same with a compiled constructor and, under z.config({ jitless: true }), without", () => {
    const shape = { n: z.number(), s: z.string(), b: z.boolean() };
    class Compiled extends Event.define(shape) {}
    z.config({ jitless: true });
    let Interpreted: typeof Compiled;
    try {
      Interpreted = class Interpreted extends Event.define(shape) {};
    } finally {
      z.config({ jitless: false });
    }
    // The define() class under each: one compiled for its shape, one sharing Event's constructor.
    expect(Object.getPrototypeOf(Compiled).toString()).toContain("INITIALIZED");
    expect(Object.getPrototypeOf(Interpreted).toString()).not.toContain("INITIALIZED");
    fc.assert(
      fc.property(input, (data) => {
        const results = [Compiled, Interpreted].map((cls) => {
          try {
            const ev = new (cls as unknown as new (d: unknown) => Event)(data);
            return { ok: true, fields: { ...ev }, keys: Object.keys(ev) };
          } catch (error) {
            expect(error).toBeInstanceOf(EventValidationError);
            return { ok: false, paths: (error as EventValidationError).paths };
          }
        });
        expect(results[1]).toEqual(results[0]);
      }),
      { numRuns: 1000 },
    );
  });
});
