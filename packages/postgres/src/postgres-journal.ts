// postgresJournal(): the Journal contract on PostgreSQL (pg 8), shared by a fleet of processes.
import {
  type Journal,
  JournalConflictError,
  type JournalEntry,
  JournalError,
  type JournalRunFilter,
  type JournalRunInfo,
  type JournalRunStatus,
} from "@eventloom/core";
import pg from "pg";
import {
  connectionError,
  isDropped,
  isUnreachable,
  labelOf,
  messageOf,
  type Target,
  targetOf,
} from "./internal/connection.js";
import {
  type AppendArrays,
  commitTick,
  describeTick,
  RUN_ARRAYS,
  type TickCall,
} from "./internal/commit-tick.js";
import { checkSettings, type Settings } from "./internal/options.js";
import { ensureSchema } from "./internal/schema.js";
import { type Outcome, TickBatch } from "./internal/tick-batch.js";

/** Where the journal's connections come from: your pool, or a connection string. */
export type PostgresJournalSource =
  | {
      /** A `pg.Pool` you made and own: the journal never ends it. */
      readonly pool: pg.Pool;
    }
  | {
      /** e.g. `"postgres://app@127.0.0.1:5432/app"`: the journal makes a pool and ends it on `close()`. */
      readonly connectionString: string;
      /** The most connections that pool opens (default 10). */
      readonly max?: number;
    };

/** How the journal rides out a dropped connection or a restarting server. */
export interface PostgresRetryOptions {
  /** Tries per call, the first one included (default 10; 1 = no retry). */
  readonly attempts?: number;
  /** The wait before the first retry, in ms (default 50); doubled on each retry. */
  readonly initialMs?: number;
  /** The longest wait between two tries, in ms (default 2 000). */
  readonly maxMs?: number;
}

/** Options of {@link postgresJournal}. */
export interface PostgresJournalOptions {
  /**
   * The PostgreSQL schema that holds the journal's tables (default `"eventloom"`), created on
   * first use. Letters, digits and `_`. Journals in different schemas of one database are
   * independent.
   */
  readonly schema?: string;
  /**
   * When set, the lease every `claim` takes, in ms, in place of the `ms` the caller asks for
   * (core asks for 10 000 and renews at a third of that). Keep it above the owner's renewal
   * interval, or a live owner's claims lapse between renewals. Unset (default): the caller's `ms`.
   */
  readonly claimMs?: number;
  /**
   * Retries of a call whose connection dropped or could not be made once the journal had been
   * connected: waits of `initialMs`, doubling, at most `maxMs`, for at most `attempts` tries.
   * Before the first successful connection, an unreachable server fails at once (that is almost
   * always a wrong address, not an outage).
   */
  readonly retry?: PostgresRetryOptions;
}

const STATUSES: readonly JournalRunStatus[] = [
  "running",
  "completed",
  "failed",
  "timed_out",
  "cancelled",
];

const MAX_SEQ = 2_147_483_647; // seq is a PostgreSQL integer

/** One append turned into the arrays `append_entries` takes. */
interface Batch extends AppendArrays {
  readonly values: unknown[][];
  readonly rows: readonly Row[];
}

interface Row {
  readonly runId: string;
  readonly seq: number;
  readonly at: number;
  readonly workflow: string | null;
  readonly status: JournalRunStatus | null;
  readonly record: string;
}

interface EntryRow {
  seq: number;
  at: number;
  workflow: string | null;
  status: JournalRunStatus | null;
  record: string;
}

interface RunRow {
  run_id: string;
  workflow: string;
  status: JournalRunStatus;
  started_at: number;
  updated_at: number;
}

/**
 * A durable journal in PostgreSQL, for runs shared by many processes on many machines: any of
 * them can take over the runs of one that died. Tables are created (and migrated, forward only)
 * in `schema` on first use; a schema written by a newer `@eventloom/postgres` is refused.
 *
 * - `append` is one round trip, however many entries of however many runs it holds: a single
 *   call of a function in the schema that checks every run's next `seq` and writes all or nothing.
 * - The claims, appends and releases called in one tick go to the server together, in one round
 *   trip and one transaction, in call order, each succeeding or failing on its own
 *   (`commitsTickTogether`): core claims a new run in the commit of its header and releases it
 *   in the commit of its last entry.
 * - `claim` is a lease in the run's row timed by the database's clock (`now()`), so the
 *   processes' clocks do not matter: a dead owner's runs are free once its lease runs out; a
 *   live owner renews. A new run's claim goes in the insert of its header.
 * - A connection that drops (a restart, a failover, `pg_terminate_backend`) is retried with
 *   backoff: the call takes longer and then resolves. An append whose commit was cut off is
 *   made idempotent: if exactly its entries are already stored, it succeeded.
 *
 * Records are stored as text, exactly as `JSON.stringify` wrote them.
 *
 * @example
 * import { postgresJournal } from "@eventloom/postgres";
 * const journal = postgresJournal({ connectionString: process.env["DATABASE_URL"]! });
 * const wf = new OrderWorkflow({ journal });
 * await wf.recover(); // resume the runs no live process holds
 */
export function postgresJournal(
  source: PostgresJournalSource,
  options?: PostgresJournalOptions,
): Journal {
  const settings = checkSettings(source, options, (config) => new pg.Pool(config));
  return new PostgresJournal(settings);
}

class PostgresJournal implements Journal {
  readonly #settings: Settings;
  readonly #pool: pg.Pool;
  readonly #target: Target;
  readonly #s: string;
  #ready: Promise<void> | undefined;
  #everConnected = false;
  #closing: Promise<void> | undefined;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #sleepers = new Set<() => void>();
  // The claims, appends and releases called in one tick go in one query: the journal writer
  // claims every new run of a flush with their headers, and releases every run that settled
  // in it with their last entries.
  readonly #tick = new TickBatch<TickCall, boolean>((calls) => this.#commitTick(calls));
  readonly #query = (sql: string, values: unknown[]): Promise<pg.QueryResult> =>
    this.#pool.query(sql, values);
  // An idle client whose backend went away is an 'error' event on the pool; with no listener
  // Node would crash the process. The pool has already dropped that client; the next call
  // takes another one.
  readonly #onPoolError = (): void => {};
  readonly #onConnect = (): void => {
    this.#everConnected = true;
  };

  /** The lease every claim gets (core renews at a third of it), if set. */
  get claimMs(): number | undefined {
    return this.#settings.claimMs;
  }

  /** The calls of one tick commit together, in call order, each on its own (commit_tick). */
  readonly commitsTickTogether = true;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#pool = settings.pool;
    this.#s = settings.schema.quoted;
    this.#target = targetOf((this.#pool as { options?: pg.PoolConfig }).options ?? {});
    this.#pool.on("error", this.#onPoolError);
    this.#pool.on("connect", this.#onConnect);
  }

  append(entries: readonly JournalEntry[]): Promise<void> {
    let batch: Batch;
    try {
      // Turned into rows now: a caller that changes its objects after calling changes nothing.
      batch = toBatch(entries);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (batch.rows.length === 0) return this.#call("append", noCheck, () => Promise.resolve());
    return this.#call("append", noCheck, async () => {
      await this.#tick.add({ kind: "append", append: batch });
    });
  }

  read(runId: string): Promise<JournalEntry[]> {
    return this.#call(
      "read",
      () => checkText(runId, "read: runId"),
      async () => {
        const { rows } = await this.#retrying("read", () =>
          this.#pool.query<EntryRow>(
            `SELECT seq, at, workflow, status, record FROM ${this.#s}.entries WHERE run_id = $1 ORDER BY seq`,
            [runId],
          ),
        );
        return rows.map((row) => toEntry(runId, row));
      },
    );
  }

  listRuns(filter?: JournalRunFilter): Promise<JournalRunInfo[]> {
    let checked: JournalRunFilter;
    return this.#call(
      "listRuns",
      () => (checked = checkFilter(filter)),
      async () => {
        const { workflow, status } = checked;
        // A run claimed before its header has a row that is not started (no workflow yet). A
        // run's updatedAt is its last entry's (appends that keep the status leave its row).
        const where: string[] = ["r.workflow IS NOT NULL"];
        const values: string[] = [];
        if (workflow !== undefined) where.push(`r.workflow = $${values.push(workflow)}`);
        if (status !== undefined) where.push(`r.status = $${values.push(status)}`);
        const { rows } = await this.#retrying("listRuns", () =>
          this.#pool.query<RunRow>(
            `SELECT r.run_id, r.workflow, r.status, r.started_at, (SELECT e.at FROM ${this.#s}.entries e WHERE e.run_id = r.run_id ORDER BY e.seq DESC LIMIT 1) AS updated_at FROM ${this.#s}.runs r WHERE ${where.join(" AND ")} ORDER BY r.started_at DESC, r.run_id DESC`,
            values,
          ),
        );
        return rows.map((r) => ({
          runId: r.run_id,
          workflow: r.workflow,
          status: r.status,
          startedAt: r.started_at,
          updatedAt: r.updated_at,
        }));
      },
    );
  }

  claim(runId: string, owner: string, ms: number): Promise<boolean> {
    const lease = this.#settings.claimMs ?? ms;
    const check = (): void => {
      checkText(runId, "claim: runId");
      checkText(owner, "claim: owner");
      if (typeof lease !== "number" || !Number.isFinite(lease) || lease <= 0) {
        throw new JournalError(
          `postgresJournal: claim: ms must be a positive number of milliseconds, got ${String(ms)}.`,
        );
      }
    };
    return this.#call("claim", check, () =>
      this.#tick.add({ kind: "claim", request: { runId, owner, leaseMs: lease } }),
    );
  }

  release(runId: string, owner: string): Promise<void> {
    const check = (): void => {
      checkText(runId, "release: runId");
      checkText(owner, "release: owner");
    };
    return this.#call("release", check, async () => {
      await this.#tick.add({ kind: "release", request: { runId, owner } });
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const wake of this.#sleepers) wake();
      await Promise.allSettled([...this.#inflight]);
      this.#pool.off("connect", this.#onConnect);
      if (this.#settings.ownsPool) {
        await this.#pool.end().catch(() => {});
        // Errors of clients ending after close() are not worth a crash either.
      } else {
        this.#pool.off("error", this.#onPoolError);
      }
    })();
    return this.#closing;
  }

  /** Runs one public call: refused after close(), schema ready first, every failure a JournalError. */
  #call<T>(what: string, check: () => unknown, run: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) {
      return Promise.reject(
        new JournalError(
          `postgresJournal: ${what} after close() (schema "${this.#settings.schema.name}" on ${labelOf(this.#target)}); make a new postgresJournal to use it again.`,
        ),
      );
    }
    try {
      check();
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const done = (async () => {
      try {
        await this.#ensureReady();
        return await run();
      } catch (error) {
        throw this.#failure(error, what);
      }
    })();
    this.#inflight.add(done);
    const forget = (): void => void this.#inflight.delete(done);
    done.then(forget, forget);
    return done;
  }

  #ensureReady(): Promise<void> {
    this.#ready ??= this.#retrying("opening the journal", async () => {
      const client = await this.#pool.connect();
      let broken: unknown;
      try {
        await ensureSchema(client, this.#settings.schema);
      } catch (error) {
        broken = isDropped(error) ? error : undefined;
        throw error;
      } finally {
        client.release(broken as Error | undefined);
      }
    }).catch((error: unknown) => {
      this.#ready = undefined; // the next call tries again
      throw error;
    });
    return this.#ready;
  }

  /**
   * Sends one tick's calls (added in call order: every call awaits the same #ready first), and
   * again with backoff while the connection drops.
   */
  #commitTick(calls: readonly TickCall[]): Promise<Outcome<boolean>[]> {
    let uncertain = false;
    return this.#retrying(describeTick(calls), async () => {
      let outcomes: Outcome<boolean>[];
      try {
        outcomes = await commitTick(this.#query, this.#s, calls);
      } catch (error) {
        if (isDropped(error)) uncertain = true;
        throw error;
      }
      if (!uncertain) return outcomes;
      // A try cut off by a dropped connection may have committed: an append of it that now
      // conflicts because exactly its entries are stored was done by that try.
      return Promise.all(
        outcomes.map(async (outcome, i) => {
          const call = calls[i]!;
          return !outcome.ok &&
            call.kind === "append" &&
            outcome.error instanceof JournalConflictError &&
            (await this.#stored(call.append))
            ? { ok: true as const, value: true }
            : outcome;
        }),
      );
    });
  }

  /** Runs `op`, and again with backoff while its connection drops. */
  async #retrying<T>(what: string, op: () => Promise<T>): Promise<T> {
    const { attempts, initialMs, maxMs } = this.#settings.retry;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await op();
      } catch (error) {
        if (!isDropped(error)) throw error;
        // Nothing was ever reached: a wrong address or a server that is not started; say so now.
        if (!this.#everConnected && isUnreachable(error)) throw error;
        if (attempt >= attempts || this.#closing !== undefined) {
          throw new JournalError(
            `postgresJournal: ${what} gave up after ${attempt} ${attempt === 1 ? "try" : "tries"} over ${Date.now() - started} ms: the connection to PostgreSQL at ${labelOf(this.#target)} kept failing (${messageOf(error)})${this.#closing !== undefined ? ", and the journal was closed" : ""}. Check that the server is up, or allow more time with retry: { attempts, maxMs }.`,
            { cause: error },
          );
        }
        const wait = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
        await this.#sleep(wait / 2 + (Math.random() * wait) / 2); // jitter: a fleet does not retry in step
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        globalThis.clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = globalThis.setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  /** True when every entry of the batch is stored exactly as this batch has it. */
  async #stored(batch: AppendArrays): Promise<boolean> {
    const { rows } = await this.#pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.#s}.entries e
       JOIN unnest($1::text[], $2::integer[], $3::float8[], $4::text[], $5::text[], $6::text[]) AS i (run_id, seq, at, workflow, status, record)
         ON e.run_id = i.run_id AND e.seq = i.seq
       WHERE e.at = i.at AND e.workflow IS NOT DISTINCT FROM i.workflow
         AND e.status IS NOT DISTINCT FROM i.status AND e.record = i.record`,
      batch.values.slice(RUN_ARRAYS),
    );
    return Number(rows[0]?.n) === batch.values[RUN_ARRAYS]!.length;
  }

  #failure(error: unknown, what: string): JournalError {
    if (error instanceof JournalError) return error;
    return connectionError(error, this.#target, what);
  }
}

const noCheck = (): void => {};

function toBatch(entries: readonly JournalEntry[]): Batch {
  if (!Array.isArray(entries)) {
    throw new JournalError(
      `postgresJournal: append takes an array of entries, got ${entries === null ? "null" : typeof entries}.`,
    );
  }
  const rows = entries.map(toRow);
  interface RunBatch {
    first: number;
    next: number;
    workflow: string | null;
    status: JournalRunStatus | null;
    started: number | null;
  }
  const runs = new Map<string, RunBatch>();
  for (const row of rows) {
    const run = runs.get(row.runId);
    if (run === undefined) {
      if (row.seq === 0 && row.workflow === null) {
        throw new JournalError(
          `postgresJournal: the first entry (seq 0) of run ${row.runId} must name its workflow; nothing of this append was written.`,
        );
      }
      runs.set(row.runId, {
        first: row.seq,
        next: row.seq + 1,
        workflow: row.seq === 0 ? row.workflow : null,
        status: row.status,
        started: row.seq === 0 ? row.at : null,
      });
      continue;
    }
    if (row.seq !== run.next) {
      throw new JournalConflictError(
        row.runId,
        row.seq,
        row.seq < run.next ? "that entry is already stored" : `the next entry is ${run.next}`,
      );
    }
    run.next++;
    if (row.status !== null) run.status = row.status;
  }
  // In run id order: the rows of the runs an append moves are locked in it, so two appends
  // touching the same runs never deadlock.
  const list = [...runs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    rows,
    values: [
      list.map(([id]) => id),
      list.map(([, r]) => r.first),
      list.map(([, r]) => r.workflow),
      list.map(([, r]) => r.status),
      list.map(([, r]) => r.started),
      rows.map((r) => r.runId),
      rows.map((r) => r.seq),
      rows.map((r) => r.at),
      rows.map((r) => r.workflow),
      rows.map((r) => r.status),
      rows.map((r) => r.record),
    ],
  };
}

function toRow(entry: JournalEntry, index: number): Row {
  const where = `append: entry ${index}`;
  if (typeof entry !== "object" || entry === null) {
    throw new JournalError(`postgresJournal: ${where} is not an object.`);
  }
  checkText(entry.runId, `${where}: runId`);
  if (!Number.isSafeInteger(entry.seq) || entry.seq < 0 || entry.seq > MAX_SEQ) {
    throw new JournalError(
      `postgresJournal: ${where} (run ${entry.runId}): seq must be a whole number from 0 to ${MAX_SEQ}, got ${String(entry.seq)}.`,
    );
  }
  if (typeof entry.at !== "number" || !Number.isFinite(entry.at)) {
    throw new JournalError(
      `postgresJournal: ${where} (run ${entry.runId}): at must be a time in ms since the epoch, got ${String(entry.at)}.`,
    );
  }
  if (entry.workflow !== undefined) checkText(entry.workflow, `${where}: workflow`);
  if (entry.status !== undefined && !STATUSES.includes(entry.status)) {
    throw new JournalError(
      `postgresJournal: ${where} (run ${entry.runId}): status must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(entry.status)}.`,
    );
  }
  let record: string | undefined;
  try {
    record = JSON.stringify(entry.record);
  } catch (error) {
    throw new JournalError(
      `postgresJournal: ${where} (run ${entry.runId}, seq ${entry.seq}): record is not JSON (${messageOf(error)}); nothing of this append was written.`,
      { cause: error },
    );
  }
  if (record === undefined) {
    throw new JournalError(
      `postgresJournal: ${where} (run ${entry.runId}, seq ${entry.seq}): record must be plain JSON, got ${typeof entry.record}; nothing of this append was written.`,
    );
  }
  return {
    runId: entry.runId,
    seq: entry.seq,
    at: entry.at,
    workflow: entry.workflow ?? null,
    status: entry.status ?? null,
    record,
  };
}

function toEntry(runId: string, row: EntryRow): JournalEntry {
  return {
    runId,
    seq: row.seq,
    at: row.at,
    ...(row.workflow === null ? {} : { workflow: row.workflow }),
    ...(row.status === null ? {} : { status: row.status }),
    record: JSON.parse(row.record) as unknown,
  };
}

function checkText(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value === "") {
    throw new JournalError(
      `postgresJournal: ${what} must be a non-empty string, got ${JSON.stringify(value) ?? String(value)}.`,
    );
  }
  // PostgreSQL text cannot hold NUL: the server would refuse the whole statement, and with it
  // every other call of the tick.
  if (value.includes("\u0000")) {
    throw new JournalError(
      `postgresJournal: ${what} must not contain NUL (\\u0000), which PostgreSQL text cannot store; got ${JSON.stringify(value)}.`,
    );
  }
}

function checkFilter(filter: JournalRunFilter | undefined): JournalRunFilter {
  if (filter === undefined) return {};
  if (typeof filter !== "object" || filter === null) {
    throw new JournalError(
      `postgresJournal: listRuns takes an optional filter { workflow?, status? }, got ${String(filter)}.`,
    );
  }
  if (filter.workflow !== undefined) checkText(filter.workflow, "listRuns: workflow");
  if (filter.status !== undefined && !STATUSES.includes(filter.status)) {
    throw new JournalError(
      `postgresJournal: listRuns: status must be one of ${STATUSES.join(", ")}, got ${JSON.stringify(filter.status)}.`,
    );
  }
  return filter;
}
