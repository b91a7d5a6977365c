// The lease rows of runs: many claims, or many releases, in one statement each.
import type pg from "pg";

/** One `claim(runId, owner, ms)` call. */
export interface ClaimRequest {
  readonly runId: string;
  readonly owner: string;
  readonly leaseMs: number;
}

/** One `release(runId, owner)` call. */
export interface ReleaseRequest {
  readonly runId: string;
  readonly owner: string;
}

type Query = (sql: string, values: unknown[]) => Promise<pg.QueryResult>;

/**
 * Claims every run of `requests` at once; true at each index whose claim this owner now holds.
 *
 * The database's clock decides, so processes whose clocks differ still agree. The upsert takes
 * each row's lock, so of two claims at once the second sees the first one's lease; rows are
 * locked in run_id order, so two processes claiming overlapping runs never deadlock. One upsert
 * may touch a row only once: a run asked for twice in one batch goes in a second round (the
 * same owner renewing gets the same answer; another owner sees the first one's claim).
 * Running it again is harmless (the same owner renews), so the caller may retry it.
 */
export async function claimAll(
  query: Query,
  schema: string,
  requests: readonly ClaimRequest[],
): Promise<boolean[]> {
  const results: boolean[] = new Array<boolean>(requests.length).fill(false);
  let round = requests.map((_, i) => i);
  while (round.length > 0) {
    const seen = new Set<string>();
    const now: number[] = [];
    const later: number[] = [];
    for (const i of round) {
      const { runId } = requests[i]!;
      (seen.has(runId) ? later : now).push(i);
      seen.add(runId);
    }
    now.sort((a, b) => compare(requests[a]!.runId, requests[b]!.runId));
    const { rows } = await query(
      `INSERT INTO ${schema}.claims AS c (run_id, owner, expires_at)
       SELECT r, o, now() + l * interval '1 millisecond'
         FROM unnest($1::text[], $2::text[], $3::float8[]) WITH ORDINALITY AS t (r, o, l, n) ORDER BY n
       ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE c.owner = excluded.owner OR c.expires_at <= now()
       RETURNING c.run_id`,
      [
        now.map((i) => requests[i]!.runId),
        now.map((i) => requests[i]!.owner),
        now.map((i) => requests[i]!.leaseMs),
      ],
    );
    const claimed = new Set(rows.map((row: { run_id: string }) => row.run_id));
    for (const i of now) results[i] = claimed.has(requests[i]!.runId);
    round = later;
  }
  return results;
}

/** Drops each run's claim if its owner holds it; rows locked in run_id order, as claims are. */
export async function releaseAll(
  query: Query,
  schema: string,
  requests: readonly ReleaseRequest[],
): Promise<void[]> {
  await query(
    `WITH held AS (
       SELECT c.run_id FROM ${schema}.claims c
         JOIN unnest($1::text[], $2::text[]) AS t (r, o) ON c.run_id = t.r AND c.owner = t.o
        ORDER BY c.run_id FOR UPDATE OF c
     )
     DELETE FROM ${schema}.claims c USING held WHERE c.run_id = held.run_id`,
    [requests.map((r) => r.runId), requests.map((r) => r.owner)],
  );
  return requests.map(() => undefined);
}

/** A fixed order every process shares: rows locked in it never deadlock. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
