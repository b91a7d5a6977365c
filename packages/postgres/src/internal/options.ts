// postgresJournal's arguments, checked: every mistake a user can make gets a message that says
// what is wrong and how to write it instead.
import { JournalError, nearestName } from "@eventloom/core";
import type pg from "pg";
import type { SchemaNames } from "./schema.js";

/** The retry settings once defaults are filled in. */
export interface RetrySettings {
  readonly attempts: number;
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface Settings {
  readonly pool: pg.Pool;
  /** True when the journal made the pool (so `close()` ends it). */
  readonly ownsPool: boolean;
  readonly schema: SchemaNames;
  readonly claimMs: number | undefined;
  readonly retry: RetrySettings;
}

export const DEFAULT_RETRY: RetrySettings = { attempts: 10, initialMs: 50, maxMs: 2_000 };

const SOURCE_KEYS = ["pool", "connectionString", "max"] as const;
const OPTION_KEYS = ["schema", "claimMs", "retry"] as const;
const RETRY_KEYS = ["attempts", "initialMs", "maxMs"] as const;

// Letters, digits and underscores, not starting with a digit, at most 63 bytes (PostgreSQL's
// NAMEDATALEN), and not pg_ (reserved for the system). The name is quoted in SQL all the same.
const SAFE_SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function checkSettings(
  source: unknown,
  options: unknown,
  makePool: (config: pg.PoolConfig) => pg.Pool,
): Settings {
  if (typeof source !== "object" || source === null) {
    throw new JournalError(
      'postgresJournal: pass { pool } (a pg.Pool) or { connectionString }, e.g. postgresJournal({ connectionString: "postgres://user@127.0.0.1:5432/app" }).',
    );
  }
  checkKeys(source, SOURCE_KEYS, "the first argument");
  const { pool, connectionString, max } = source as {
    pool?: unknown;
    connectionString?: unknown;
    max?: unknown;
  };
  if (pool !== undefined && connectionString !== undefined) {
    throw new JournalError(
      "postgresJournal: pass either pool or connectionString, not both (a pool already knows where it connects).",
    );
  }
  let made: { pool: pg.Pool; ownsPool: boolean };
  if (pool !== undefined) {
    if (!isPool(pool)) {
      throw new JournalError(
        "postgresJournal: pool must be a pg.Pool (new Pool({ connectionString }) from pg), got " +
          describe(pool) +
          ".",
      );
    }
    if (max !== undefined) {
      throw new JournalError(
        "postgresJournal: max sizes a pool the journal makes from a connectionString; set max on your own pool instead (new Pool({ max })).",
      );
    }
    made = { pool, ownsPool: false };
  } else if (connectionString !== undefined) {
    if (
      typeof connectionString !== "string" ||
      !/^(postgres|postgresql|socket):/i.test(connectionString.trim())
    ) {
      throw new JournalError(
        `postgresJournal: connectionString must be a PostgreSQL URL such as "postgres://user:password@127.0.0.1:5432/app", got ${typeof connectionString === "string" ? JSON.stringify(redact(connectionString)) : describe(connectionString)}.`,
      );
    }
    if (max !== undefined && (!Number.isSafeInteger(max) || (max as number) < 1)) {
      throw new JournalError(
        `postgresJournal: max (the pool's most connections) must be a whole number >= 1, got ${String(max)}.`,
      );
    }
    made = {
      pool: makePool({
        connectionString: connectionString.trim(),
        max: (max as number | undefined) ?? 10,
        // A server that accepts TCP but never answers must not hang a write forever.
        connectionTimeoutMillis: 10_000,
      }),
      ownsPool: true,
    };
  } else {
    throw new JournalError(
      'postgresJournal: pass { pool } (a pg.Pool) or { connectionString: "postgres://…" }: neither was given.',
    );
  }

  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new JournalError(
      `postgresJournal: the second argument must be an options object ({ schema?, claimMs?, retry? }), got ${describe(options)}.`,
    );
  }
  const opts = (options ?? {}) as { schema?: unknown; claimMs?: unknown; retry?: unknown };
  checkKeys(opts, OPTION_KEYS, "the options");
  const schemaName = opts.schema ?? "eventloom";
  if (typeof schemaName !== "string" || !SAFE_SCHEMA.test(schemaName) || /^pg_/i.test(schemaName)) {
    throw new JournalError(
      `postgresJournal: schema must be a plain identifier (letters, digits and _, not starting with a digit or pg_, at most 63 characters), e.g. "eventloom"; got ${JSON.stringify(schemaName) ?? String(schemaName)}.`,
    );
  }
  const { claimMs } = opts;
  if (
    claimMs !== undefined &&
    (typeof claimMs !== "number" || !Number.isFinite(claimMs) || claimMs <= 0)
  ) {
    throw new JournalError(
      `postgresJournal: claimMs must be a positive number of milliseconds (or left out to use what each claim asks for), got ${String(claimMs)}.`,
    );
  }
  return {
    ...made,
    schema: { name: schemaName, quoted: `"${schemaName}"` },
    claimMs,
    retry: checkRetry(opts.retry),
  };
}

function checkRetry(retry: unknown): RetrySettings {
  if (retry === undefined) return DEFAULT_RETRY;
  if (typeof retry !== "object" || retry === null) {
    throw new JournalError(
      `postgresJournal: retry must be an object { attempts?, initialMs?, maxMs? }, got ${describe(retry)}.`,
    );
  }
  checkKeys(retry, RETRY_KEYS, "retry");
  const r = { ...DEFAULT_RETRY, ...(retry as Partial<RetrySettings>) };
  if (!Number.isSafeInteger(r.attempts) || r.attempts < 1) {
    throw new JournalError(
      `postgresJournal: retry.attempts counts tries (1 = no retry) and must be a whole number >= 1, got ${String(r.attempts)}.`,
    );
  }
  for (const key of ["initialMs", "maxMs"] as const) {
    if (typeof r[key] !== "number" || !Number.isFinite(r[key]) || r[key] < 0) {
      throw new JournalError(
        `postgresJournal: retry.${key} must be a number of milliseconds >= 0, got ${String(r[key])}.`,
      );
    }
  }
  if (r.maxMs < r.initialMs) {
    throw new JournalError(
      `postgresJournal: retry.maxMs (${r.maxMs}) must not be below retry.initialMs (${r.initialMs}).`,
    );
  }
  return r;
}

function isPool(value: unknown): value is pg.Pool {
  const v = value as { query?: unknown; connect?: unknown; end?: unknown } | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.query === "function" &&
    typeof v.connect === "function" &&
    typeof v.end === "function"
  );
}

function checkKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if ((known as readonly string[]).includes(key)) continue;
    const near = nearestName(key, known);
    throw new JournalError(
      `postgresJournal: unknown key "${key}" in ${where}${near === undefined ? "" : ` (did you mean ${near}?)`}; known keys: ${known.join(", ")}.`,
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return `${typeof value} ${String(value)}`;
}

/** A connection string without its password, for messages. */
function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
}
