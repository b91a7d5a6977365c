// The one error shape every route answers with: { error: { code, message, issues? } }.
import type { z } from "zod";
import type { ErrorIssue } from "../error-issue.js";

/** The HTTP statuses the server answers errors with. */
export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 422 | 500 | 503;

/** A request the server refuses: the route turns it into the error JSON and status. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly issues?: readonly ErrorIssue[],
  ) {
    super(message);
  }

  /** The response body. */
  toJSON(): { error: { code: string; message: string; issues?: readonly ErrorIssue[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.issues !== undefined ? { issues: this.issues } : {}),
      },
    };
  }
}

/** zod issues as JSON: path (keys and indexes), message and zod's issue code. */
export function issuesOf(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: i.message,
    code: i.code,
  }));
}
