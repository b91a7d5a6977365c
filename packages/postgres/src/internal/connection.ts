// Where the journal connects, and what a failure from pg means: a server that is not there, a
// connection that dropped (worth retrying), or an answer from the server (not worth retrying).
import { JournalError } from "@eventloom/core";
import pg from "pg";

/** Host and port the pool connects to, for messages (never the password). */
export interface Target {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

/**
 * Reads where a pool connects the way pg itself does (connection string, then options, then
 * the PG* environment variables, then localhost:5432), by building a client that never connects.
 */
export function targetOf(options: pg.PoolConfig): Target {
  const probe = new pg.Client(options) as pg.Client & { database?: string; user?: string };
  return {
    host: probe.host,
    port: probe.port,
    database: String(probe.database ?? ""),
    user: String(probe.user ?? ""),
  };
}

/** `host:port`, or the socket folder for a Unix socket. */
export function labelOf(target: Target): string {
  return target.host.startsWith("/")
    ? `the socket in ${target.host} (port ${target.port})`
    : `${target.host}:${target.port}`;
}

const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENOENT"]);

// Errors that mean the connection (or the server) went away: the statement may or may not have
// run, and running it again on a new connection is the way on.
const DROPPED_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: the server is starting or in recovery
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/** The error's `code` (a Node errno code or a SQLSTATE), if it has one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(messageOf).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}

/** The connection was lost or could not be made: a retry on a new connection may succeed. */
export function isDropped(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) return DROPPED_CODES.has(code) || code.startsWith("08");
  if (error instanceof AggregateError) return error.errors.some(isDropped);
  // pg's own errors for a socket that closed carry no code.
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(
    messageOf(error),
  );
}

/** The server could not be reached at all (nothing listens, no such host, no socket). */
export function isUnreachable(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined && CONNECT_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnreachable);
  return /timeout exceeded when trying to connect/i.test(messageOf(error));
}

/** A JournalError that says what went wrong with the connection and how to fix it. */
export function connectionError(error: unknown, target: Target, what: string): JournalError {
  const at = labelOf(target);
  const code = codeOf(error);
  if (isUnreachable(error)) {
    return new JournalError(
      `postgresJournal: ${what} could not connect to PostgreSQL at ${at} (${code ?? messageOf(error)}). Is the server running and listening there? Start PostgreSQL (e.g. pg_ctlcluster 15 main start, or docker run -p 5432:5432 postgres), or fix the host and port in the connection string.`,
      { cause: error },
    );
  }
  if (code === "28P01" || code === "28000") {
    return new JournalError(
      `postgresJournal: ${what}: PostgreSQL at ${at} refused user "${target.user}" (${messageOf(error)}). Fix the user or password in the connection string, or the server's pg_hba.conf.`,
      { cause: error },
    );
  }
  if (code === "3D000") {
    return new JournalError(
      `postgresJournal: ${what}: PostgreSQL at ${at} has no database "${target.database}". Create it (createdb ${target.database}) or name an existing one in the connection string.`,
      { cause: error },
    );
  }
  return new JournalError(
    `postgresJournal: ${what} on PostgreSQL at ${at} failed: ${messageOf(error)}`,
    { cause: error },
  );
}
