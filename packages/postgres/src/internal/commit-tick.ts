// One tick's claims, appends and releases: one transaction, in call order, one round trip.
import { JournalConflictError } from "@eventloom/core";
import type pg from "pg";
import { codeOf } from "./connection.js";
import { CONFLICT_SQLSTATE } from "./schema.js";
import type { Outcome } from "./tick-batch.js";

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

/**
 * One append as the arrays `append_entries` takes: the first {@link RUN_ARRAYS} hold one value
 * per run (id, first seq, workflow, status, started), the rest one per entry (run id, seq, at,
 * workflow, status, record).
 */
export interface AppendArrays {
  readonly values: readonly (readonly unknown[])[];
}

/** How many of {@link AppendArrays.values} hold one value per run. */
export const RUN_ARRAYS = 5;
const ENTRY_ARRAYS = 6;

/** A call of the tick; each one resolves to `true` but a claim, to whether it holds the run. */
export type TickCall =
  | { readonly kind: "claim"; readonly request: ClaimRequest }
  | { readonly kind: "append"; readonly append: AppendArrays }
  | { readonly kind: "release"; readonly request: ReleaseRequest };

type Query = (sql: string, values: unknown[]) => Promise<pg.QueryResult>;

/** Calls the function runs as one statement: a run of claims or of releases, or one append. */
interface Segment {
  readonly kind: TickCall["kind"];
  readonly calls: number[];
  /** The runs claimed in it: one upsert may touch a row only once. */
  readonly runs: Set<string>;
  /** Of an append: the claims that go in it, by run id (see {@link riders}). */
  readonly claims: Map<string, number>;
  /** Of an append: the releases that go with the status it sets, by run id. */
  readonly releases: Map<string, number>;
}

/**
 * Runs `calls` in one call of `commit_tick` (schema version 3), one transaction: each takes
 * effect in the order it was made and succeeds or fails on its own. An append that conflicts
 * (a seq already taken, or a gap) writes nothing of itself and fails with JournalConflictError;
 * a claim another owner holds resolves false. The other calls commit. Any other error rejects
 * the whole tick, which then changed nothing.
 *
 * Consecutive claims are one upsert, their rows locked in run_id order, so two processes
 * claiming overlapping runs never deadlock; a run asked for again goes in a later upsert (the
 * same owner renewing gets the same answer, another owner sees the first one's claim). The claim
 * of a new run whose header an append of the tick writes goes in that append: the header's row
 * is inserted with its owner, and no claim is written on its own. The database's clock times
 * the leases, so processes whose clocks differ still agree. Running a tick again after its reply
 * was lost is harmless for claims (the same owner renews) and releases; an append then
 * conflicts with its own entries, which the caller checks.
 */
export async function commitTick(
  query: Query,
  schema: string,
  calls: readonly TickCall[],
): Promise<Outcome<boolean>[]> {
  const [only] = calls;
  if (calls.length === 1 && only!.kind === "append")
    return [await appendAlone(query, schema, only!.append)];
  const segments = segmentsOf(calls);
  const kinds: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const entriesFrom: number[] = [];
  const entriesTo: number[] = [];
  const claims: [string[], string[], number[]] = [[], [], []];
  const releases: [string[], string[]] = [[], []];
  let runArrays: unknown[][] = Array.from({ length: RUN_ARRAYS }, () => []);
  let entryArrays: unknown[][] = Array.from({ length: ENTRY_ARRAYS }, () => []);
  const owners: (string | null)[] = [];
  const leases: (number | null)[] = [];
  const released: (string | null)[] = [];
  for (const segment of segments) {
    kinds.push(segment.kind);
    let next: number;
    if (segment.kind === "claim") {
      from.push(claims[0].length + 1);
      segment.calls.sort((a, b) => compare(runIdOf(calls[a]!), runIdOf(calls[b]!)));
      for (const i of segment.calls) {
        const { runId, owner, leaseMs } = (calls[i] as { request: ClaimRequest }).request;
        claims[0].push(runId);
        claims[1].push(owner);
        claims[2].push(leaseMs);
      }
      next = claims[0].length;
    } else if (segment.kind === "release") {
      from.push(releases[0].length + 1);
      segment.calls.sort((a, b) => compare(runIdOf(calls[a]!), runIdOf(calls[b]!)));
      for (const i of segment.calls) {
        const { runId, owner } = (calls[i] as { request: ReleaseRequest }).request;
        releases[0].push(runId);
        releases[1].push(owner);
      }
      next = releases[0].length;
    } else {
      const { values } = (calls[segment.calls[0]!] as { append: AppendArrays }).append;
      from.push(runArrays[0]!.length + 1);
      entriesFrom.push(entryArrays[0]!.length + 1);
      runArrays = runArrays.map((list, j) => list.concat(values[j]));
      entryArrays = entryArrays.map((list, j) => list.concat(values[RUN_ARRAYS + j]));
      for (const runId of values[0]! as string[]) {
        const claim = segment.claims.get(runId);
        const request =
          claim === undefined ? undefined : (calls[claim] as { request: ClaimRequest }).request;
        owners.push(request?.owner ?? null);
        leases.push(request?.leaseMs ?? null);
        const release = segment.releases.get(runId);
        released.push(
          release === undefined
            ? null
            : (calls[release] as { request: ReleaseRequest }).request.owner,
        );
      }
      next = runArrays[0]!.length;
      entriesTo.push(entryArrays[0]!.length);
    }
    to.push(next);
    if (segment.kind !== "append") {
      entriesFrom.push(0);
      entriesTo.push(0);
    }
  }
  const { rows } = await query(
    `SELECT t.o_claimed AS claimed, t.o_conflict AS conflict FROM ${schema}.commit_tick(
       $1::text[], $2::integer[], $3::integer[], $4::integer[], $5::integer[],
       $6::text[], $7::text[], $8::float8[], $9::text[], $10::text[],
       $11::text[], $12::integer[], $13::text[], $14::text[], $15::float8[], $16::text[], $17::float8[],
       $18::text[], $19::text[], $20::integer[], $21::float8[], $22::text[], $23::text[], $24::text[]
     ) WITH ORDINALITY AS t (o_claimed, o_conflict, n) ORDER BY t.n`,
    [
      kinds,
      from,
      to,
      entriesFrom,
      entriesTo,
      ...claims,
      ...releases,
      ...runArrays,
      owners,
      leases,
      released,
      ...entryArrays,
    ],
  );
  const outcomes = new Array<Outcome<boolean>>(calls.length);
  segments.forEach((segment, k) => {
    const row = rows[k] as { claimed: string[] | null; conflict: string | null };
    const claimed = new Set(row.claimed);
    for (const i of segment.calls) {
      outcomes[i] =
        row.conflict !== null
          ? { ok: false, error: conflictOf(row.conflict) }
          : { ok: true, value: segment.kind !== "claim" || claimed.has(runIdOf(calls[i]!)) };
    }
    for (const [runId, i] of segment.claims) outcomes[i] = { ok: true, value: claimed.has(runId) };
    for (const i of segment.releases.values()) outcomes[i] = { ok: true, value: true };
  });
  return outcomes;
}

/**
 * A tick of one append (most of the journal writer's flushes) calls `append_entries` itself:
 * with no other call to keep apart from it, it needs no subtransaction, and it costs the server
 * less.
 */
async function appendAlone(
  query: Query,
  schema: string,
  append: AppendArrays,
): Promise<Outcome<boolean>> {
  try {
    await query(
      `SELECT ${schema}.append_entries($1::text[], $2::integer[], $3::text[], $4::text[], $5::float8[], NULL, NULL, NULL, $6::text[], $7::integer[], $8::float8[], $9::text[], $10::text[], $11::text[])`,
      [...append.values],
    );
    return { ok: true, value: true };
  } catch (error) {
    if (codeOf(error) !== CONFLICT_SQLSTATE) throw error;
    return { ok: false, error: conflictOf(String((error as { detail?: unknown }).detail)) };
  }
}

/** What a tick does, for messages: "append", "claim and append", … */
export function describeTick(calls: readonly TickCall[]): string {
  const kinds = [...new Set(calls.map((c) => c.kind))];
  return kinds.length === 1 ? kinds[0]! : `${kinds.slice(0, -1).join(", ")} and ${kinds.at(-1)!}`;
}

/** The error of an append `append_entries` refused: its DETAIL names the run and seqs. */
function conflictOf(detail: string): JournalConflictError {
  const { runId, seq, expected } = JSON.parse(detail) as {
    runId: string;
    seq: number;
    expected: number;
  };
  return new JournalConflictError(
    runId,
    seq,
    seq < expected ? "that entry is already stored" : `the next entry is ${expected}`,
  );
}

function segmentsOf(calls: readonly TickCall[]): Segment[] {
  const riding = riders(calls);
  const segments: Segment[] = [];
  calls.forEach((call, i) => {
    if (riding.has(i)) return; // goes with its append's segment
    const open = segments.at(-1);
    const joins =
      open !== undefined &&
      open.kind === call.kind &&
      (call.kind === "release" || (call.kind === "claim" && !open.runs.has(call.request.runId)));
    const segment = joins
      ? open
      : {
          kind: call.kind,
          calls: [],
          runs: new Set<string>(),
          claims: new Map<string, number>(),
          releases: new Map<string, number>(),
        };
    if (!joins) segments.push(segment);
    segment.calls.push(i);
    if (call.kind === "claim") segment.runs.add(call.request.runId);
  });
  const ofAppend = new Map(segments.map((segment) => [segment.calls[0]!, segment]));
  for (const [rider, append] of riding) {
    const call = calls[rider]!;
    ofAppend.get(append)![call.kind === "claim" ? "claims" : "releases"].set(runIdOf(call), rider);
  }
  return segments;
}

/**
 * The claims and releases that can ride on an append (call -> the append): a claim of a new run
 * whose header (the run at seq 0) the append writes, made before it, and a release made after
 * an append that sets the run's status, when no call between them names the run. They then
 * change the row that append inserts or updates, instead of writing it again. Moving them
 * changes nothing anyone can see: an append does not look at claims, and a claim or release
 * changes nothing an append writes.
 */
function riders(calls: readonly TickCall[]): Map<number, number> {
  const claims = new Map<string, number>(); // run -> its claim, not yet followed by a call
  const ends = new Map<string, number>(); // run -> the append that set its status, likewise
  const moved = new Map<number, number>();
  calls.forEach((call, i) => {
    if (call.kind === "claim") {
      ends.delete(call.request.runId);
      claims.set(call.request.runId, i);
    } else if (call.kind === "release") {
      const end = ends.get(call.request.runId);
      if (end !== undefined) moved.set(i, end);
      ends.delete(call.request.runId);
      claims.delete(call.request.runId);
    } else {
      const [runs, firsts, , statuses] = call.append.values as [
        string[],
        number[],
        unknown,
        (string | null)[],
      ];
      runs.forEach((runId, j) => {
        const claim = claims.get(runId);
        claims.delete(runId);
        if (claim !== undefined && firsts[j] === 0) moved.set(claim, i);
        if (firsts[j]! > 0 && statuses[j] !== null) ends.set(runId, i);
        else ends.delete(runId);
      });
    }
  });
  return moved;
}

function runIdOf(call: TickCall): string {
  return call.kind === "append" ? "" : call.request.runId;
}

/** A fixed order every process shares: rows locked in it never deadlock. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
