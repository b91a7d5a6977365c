// A real PostgreSQL for the tests: each test gets schemas of its own (random names) that are
// dropped after it. Without a reachable server the tests report themselves skipped with the
// reason; under CI=true an unreachable server fails them instead.
import { randomBytes } from "node:crypto";
import type { Journal } from "@eventloom/core";
import {
  postgresJournal,
  type PostgresJournalOptions,
  type PostgresJournalSource,
} from "@eventloom/postgres";
import pg from "pg";
import { afterAll, afterEach, beforeEach, type TestContext } from "vitest";

/** The test server (trust auth); EVENTLOOM_TEST_POSTGRES points the tests elsewhere. */
export const SERVER_URL =
  process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether the server answers, and if not why. Probed once per test file. */
export const server: { readonly ok: true } | { readonly ok: false; readonly reason: string } =
  await probe();

async function probe(): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { ok: true };
  } catch (error) {
    const why =
      error instanceof Error
        ? error.message || String((error as { code?: unknown }).code)
        : String(error);
    return {
      ok: false,
      reason: `no PostgreSQL at ${SERVER_URL.replace(/\/\/[^@]*@/, "//")} (${why}); start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Skips the test with the reason when there is no server, or fails it under CI=true. */
export function requireServer(ctx: TestContext): void {
  if (server.ok) return;
  if (process.env["CI"] === "true") throw new Error(`CI=true and ${server.reason}`);
  ctx.skip(server.reason);
}

/** A schema name no other test (or engineer) uses. */
export function freshSchema(): string {
  return `el_test_${randomBytes(6).toString("hex")}`;
}

export interface PostgresFixture {
  /** A connection for the test itself (inspecting tables, killing backends), shared per file. */
  admin(): pg.Pool;
  /** A new schema name, dropped after the test. */
  schema(): string;
  /** A journal on a new schema of its own (or `options.schema`), closed and dropped after the test. */
  journal(options?: PostgresJournalOptions, source?: PostgresJournalSource): Journal;
  /** A pool of the test's own, ended after the test. */
  pool(config?: pg.PoolConfig): pg.Pool;
}

/** Registers the hooks and returns the fixture. Call once at the top of a test file. */
export function usePostgres(): PostgresFixture {
  let admin: pg.Pool | undefined;
  const schemas: string[] = [];
  const journals: Journal[] = [];
  const pools: pg.Pool[] = [];

  beforeEach((ctx) => requireServer(ctx));
  afterEach(async () => {
    await Promise.allSettled(journals.splice(0).map((j) => j.close()));
    await Promise.allSettled(pools.splice(0).map((p) => p.end()));
    for (const name of schemas.splice(0)) {
      await admin?.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
  });
  afterAll(async () => {
    await admin?.end();
  });

  const fixture: PostgresFixture = {
    admin() {
      if (admin === undefined) {
        admin = new pg.Pool({ connectionString: SERVER_URL, max: 2 });
        admin.on("error", () => {});
      }
      return admin;
    },
    schema() {
      const name = freshSchema();
      schemas.push(name);
      fixture.admin();
      return name;
    },
    journal(options, source) {
      const schema = options?.schema ?? fixture.schema();
      if (!schemas.includes(schema)) schemas.push(schema);
      fixture.admin();
      const journal = postgresJournal(source ?? { connectionString: SERVER_URL, max: 4 }, {
        ...options,
        schema,
      });
      journals.push(journal);
      return journal;
    },
    pool(config) {
      const p = new pg.Pool({ connectionString: SERVER_URL, max: 4, ...config });
      p.on("error", () => {});
      pools.push(p);
      return p;
    },
  };
  return fixture;
}
