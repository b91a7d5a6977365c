import { WorkflowValidationError, type RetryPolicy } from "@eventloom/core";
import { z } from "zod";

// The checks that several policies share. Each schema carries one message that reads after the
// option's name ("delayMs must be ..."), so a problem names the option and says what is allowed.

/** A delay or a time budget: a finite number of milliseconds, >= 0. */
export const milliseconds = z
  .number({ error: "must be a finite number of milliseconds >= 0" })
  .min(0, { error: "must be a finite number of milliseconds >= 0" });

/** A time budget that must leave room for something: a finite number of milliseconds, > 0. */
export const positiveMilliseconds = z
  .number({ error: "must be a finite number of milliseconds > 0" })
  .gt(0, { error: "must be a finite number of milliseconds > 0" });

/** A count of executions: a whole number >= 1, or Infinity for no limit. */
export const maxAttempts = z.custom<number>(
  (v) => v === Infinity || (Number.isInteger(v) && (v as number) >= 1),
  { error: "must be a whole number >= 1 (it counts executions: 1 means no retry), or Infinity" },
);

/** Parses `input` with `schema`, or throws one `WorkflowValidationError` listing every problem. */
export function parseOptions<S extends z.ZodType>(
  fn: string,
  schema: S,
  input: unknown,
  extraChecks: (value: z.output<S>) => string[] = () => [],
): z.output<S> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new WorkflowValidationError(`${fn}: expected an options object, got ${show(input)}`);
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) {
    const problems = extraChecks(parsed.data).map((p) => `${fn}: ${p}`);
    if (problems.length > 0) throw new WorkflowValidationError(problems);
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const known = schema instanceof z.ZodObject ? Object.keys(schema.shape).join(", ") : "";
      return `${fn}: unknown option ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}${
        known ? ` (known options: ${known})` : ""
      }`;
    }
    const name = issue.path.join(".");
    const value = (input as Record<string, unknown>)[String(issue.path[0])];
    if (value === undefined) return `${fn}: ${name} is required`;
    return `${fn}: ${name} ${issue.message} (got ${show(value)})`;
  });
  throw new WorkflowValidationError(problems, { cause: parsed.error });
}

/** Parses one positional argument, or throws a `WorkflowValidationError` naming it. */
export function parseArgument<S extends z.ZodType>(
  fn: string,
  name: string,
  schema: S,
  value: unknown,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? "is invalid";
  throw new WorkflowValidationError(`${fn}: ${name} ${message} (got ${show(value)})`, {
    cause: parsed.error,
  });
}

/** Throws unless `policy` is a `RetryPolicy`; `where` names the argument in the message. */
export function assertPolicy(where: string, policy: unknown): asserts policy is RetryPolicy {
  if (
    typeof policy !== "object" ||
    policy === null ||
    typeof (policy as RetryPolicy).next !== "function"
  ) {
    throw new WorkflowValidationError(
      `${where} must be a RetryPolicy (an object with next(info)), got ${show(policy)}`,
    );
  }
}

/** A short, safe rendering of a user's value for an error message. */
export function show(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "function") return "a function";
  if (value === undefined) return "undefined";
  try {
    const json = JSON.stringify(value);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
