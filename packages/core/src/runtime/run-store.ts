// A run's key-value store (`ctx.store`), validated by the workflow's `static state` schema.
import type { z } from "zod";
import type { Store } from "../context.js";
import { WorkflowRuntimeError } from "../errors.js";

export class RunStore implements Store<Record<string, unknown>> {
  private readonly values = new Map<string, unknown>();
  constructor(
    private readonly schema: z.ZodObject | undefined,
    private readonly workflowName: string,
  ) {
    // The plan has checked that every field has a default (`buildPlan`).
    if (schema !== undefined) {
      for (const [k, v] of Object.entries(schema.parse({}))) this.values.set(k, v);
    }
  }

  /** The keys and values, in the order they were first set. */
  entries(): IterableIterator<[string, unknown]> {
    return this.values.entries();
  }

  /** Puts a value as it is (a restored snapshot's, already validated once). */
  restore(key: string, value: unknown): void {
    this.values.set(key, value);
  }

  /** A store of the same schema holding the same values (values are shared, not cloned). */
  copy(): RunStore {
    const copy = new RunStore(this.schema, this.workflowName);
    for (const [k, v] of this.values) copy.values.set(k, v);
    return copy;
  }

  get(key: string, ...rest: [unknown?]): Promise<unknown> {
    if (this.values.has(key)) return Promise.resolve(this.values.get(key));
    if (rest.length > 0) return Promise.resolve(rest[0]);
    return Promise.reject(
      new WorkflowRuntimeError(
        `${this.workflowName}: store has no key "${key}": set it first, or pass a default: ctx.store.get("${key}", fallback)`,
      ),
    );
  }

  set(key: string, value: unknown): Promise<void> {
    const checked = this.check(key, value);
    if (!checked.ok) return Promise.reject(checked.error);
    this.values.set(key, checked.value);
    return Promise.resolve();
  }

  /** A value as the state schema parses it, or the error naming the key. */
  check(
    key: string,
    value: unknown,
  ): { ok: true; value: unknown } | { ok: false; error: WorkflowRuntimeError } {
    if (this.schema === undefined) return { ok: true, value };
    const field = this.schema.shape[key] as z.ZodType | undefined;
    if (field === undefined) {
      return {
        ok: false,
        error: new WorkflowRuntimeError(
          `${this.workflowName}: store key "${key}" is not in the workflow's state schema (keys: ${Object.keys(this.schema.shape).join(", ")})`,
        ),
      };
    }
    const parsed = field.safeParse(value);
    if (!parsed.success) {
      return {
        ok: false,
        error: new WorkflowRuntimeError(
          `${this.workflowName}: invalid value for store key "${key}": ${parsed.error.issues.map((i) => i.message).join("; ")}`,
          { cause: parsed.error },
        ),
      };
    }
    return { ok: true, value: parsed.data };
  }
}
