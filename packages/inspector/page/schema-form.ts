import { h } from "./dom.js";

/** The parts of JSON Schema (as `z.toJSONSchema` writes it) that the form understands. */
interface Schema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly description?: string;
  readonly title?: string;
  readonly default?: unknown;
}

type Field =
  | { readonly kind: "string" | "number" | "integer"; readonly input: HTMLInputElement }
  | { readonly kind: "boolean"; readonly input: HTMLInputElement }
  | {
      readonly kind: "enum";
      readonly input: HTMLSelectElement;
      readonly values: readonly unknown[];
    }
  | { readonly kind: "json"; readonly input: HTMLTextAreaElement };

/** A form for one event's data and how to read it back. */
export interface SchemaForm {
  readonly fields: HTMLElement;
  /** The event data, or what is wrong with the input (naming the field). */
  read(): { ok: true; data: Record<string, unknown> } | { ok: false; message: string };
}

/**
 * Inputs for an event's fields from its JSON Schema: text, number, checkbox and select for
 * scalar fields, JSON for nested ones; a single JSON box when the schema has no properties.
 * The server validates the data again (and its error is shown), so the form only helps.
 */
export function schemaForm(schema: unknown, idPrefix: string): SchemaForm {
  const root = asSchema(schema);
  const props = root?.properties;
  if (props === undefined || Object.keys(props).length === 0) {
    const input = h("textarea", {
      id: `${idPrefix}-json`,
      name: "data",
      rows: 4,
      spellcheck: "false",
    });
    input.value = "{}";
    return {
      fields: h("div", { class: "field" }, h("label", { for: input.id }, "data (JSON)"), input),
      read() {
        const parsed = parseJson(input.value, "data");
        if (!parsed.ok) return parsed;
        if (
          typeof parsed.value !== "object" ||
          parsed.value === null ||
          Array.isArray(parsed.value)
        )
          return { ok: false, message: "data must be a JSON object such as {}" };
        return { ok: true, data: parsed.value as Record<string, unknown> };
      },
    };
  }
  const required = new Set(root?.required ?? []);
  const fields = new Map<string, Field>();
  const box = h("div", { class: "fields" });
  let i = 0;
  for (const [name, raw] of Object.entries(props)) {
    const prop = asSchema(raw) ?? {};
    const id = `${idPrefix}-f${i++}`;
    const field = fieldFor(prop, id, name);
    fields.set(name, field);
    const label = h(
      "label",
      { for: id },
      name,
      required.has(name) ? h("span", { class: "req", title: "required" }, " *") : null,
      field.kind === "json" ? h("span", { class: "muted" }, " (JSON)") : null,
    );
    const hint =
      prop.description === undefined ? null : h("small", { class: "muted" }, prop.description);
    box.append(
      h(
        "div",
        { class: field.kind === "boolean" ? "field check" : "field" },
        ...(field.kind === "boolean" ? [field.input, label] : [label, field.input]),
        hint,
      ),
    );
  }
  return {
    fields: box,
    read() {
      const data: Record<string, unknown> = {};
      for (const [name, field] of fields) {
        const v = readField(field, name, required.has(name));
        if (!v.ok) return v;
        if (v.value !== undefined) data[name] = v.value;
      }
      return { ok: true, data };
    },
  };
}

function fieldFor(prop: Schema, id: string, name: string): Field {
  const type = typeOf(prop);
  const values = prop.enum ?? (prop.const === undefined ? undefined : [prop.const]);
  if (
    values !== undefined &&
    values.every((v) => ["string", "number", "boolean"].includes(typeof v))
  ) {
    const input = h(
      "select",
      { id, name },
      h("option", { value: "" }, "—"),
      ...values.map((v, k) => h("option", { value: String(k) }, String(v))),
    );
    if (values.length === 1) input.value = "0";
    return { kind: "enum", input, values };
  }
  if (type === "boolean") {
    const input = h("input", { id, name, type: "checkbox" });
    input.checked = prop.default === true;
    return { kind: "boolean", input };
  }
  if (type === "string" || type === "number" || type === "integer") {
    const input = h("input", {
      id,
      name,
      type: type === "string" ? "text" : "number",
      step: type === "integer" ? 1 : "any",
      autocomplete: "off",
    });
    if (prop.default !== undefined) input.value = String(prop.default);
    return { kind: type, input };
  }
  const input = h("textarea", { id, name, rows: 3, spellcheck: "false" });
  if (prop.default !== undefined) input.value = JSON.stringify(prop.default);
  return { kind: "json", input };
}

function readField(
  field: Field,
  name: string,
  required: boolean,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const missing = { ok: false as const, message: `${name} is required: fill it in` };
  switch (field.kind) {
    case "boolean":
      return { ok: true, value: field.input.checked };
    case "enum": {
      if (field.input.value === "") return required ? missing : { ok: true, value: undefined };
      return { ok: true, value: field.values[Number(field.input.value)] };
    }
    case "string":
      if (field.input.value === "") return required ? missing : { ok: true, value: undefined };
      return { ok: true, value: field.input.value };
    case "number":
    case "integer": {
      const text = field.input.value.trim();
      if (text === "") return required ? missing : { ok: true, value: undefined };
      const n = Number(text);
      if (!Number.isFinite(n)) return { ok: false, message: `${name} must be a number` };
      if (field.kind === "integer" && !Number.isInteger(n))
        return { ok: false, message: `${name} must be a whole number` };
      return { ok: true, value: n };
    }
    case "json": {
      if (field.input.value.trim() === "")
        return required ? missing : { ok: true, value: undefined };
      const parsed = parseJson(field.input.value, name);
      return parsed.ok ? { ok: true, value: parsed.value } : parsed;
    }
  }
}

function parseJson(
  text: string,
  name: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, message: `${name} is not valid JSON (${(err as Error).message})` };
  }
}

function typeOf(prop: Schema): string | undefined {
  if (typeof prop.type === "string") return prop.type;
  if (Array.isArray(prop.type)) {
    const types = (prop.type as readonly string[]).filter((t) => t !== "null");
    return types.length === 1 ? types[0] : undefined;
  }
  return undefined;
}

function asSchema(value: unknown): Schema | undefined {
  return typeof value === "object" && value !== null ? (value as Schema) : undefined;
}
