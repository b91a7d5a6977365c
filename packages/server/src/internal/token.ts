// Bearer tokens compared in constant time: both sides are hashed first, so neither the length
// nor the first differing byte of a guess shows in how long the comparison takes.
import { createHash, timingSafeEqual } from "node:crypto";

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/** A check of `Authorization: Bearer <token>` against the server's token. */
export function tokenChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ ]+(.+)$/i.exec(authorization?.trim() ?? "");
    // Hash something even without a token, so a missing header costs what a wrong one does.
    const given = digest(match?.[1] ?? "");
    return timingSafeEqual(given, expected) && match !== null;
  };
}
