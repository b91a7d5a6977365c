/** A zod issue as the server sends it: the failing path and what is wrong there. */
export interface ErrorIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
  readonly code?: string;
}
