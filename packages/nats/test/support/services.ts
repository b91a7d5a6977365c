// The real broker and database for the tests: NATS with JetStream at 127.0.0.1:4222 and
// PostgreSQL at 127.0.0.1:5432. Each test gets a stream prefix and a schema of its own, deleted
// after it. Without a service the tests report themselves skipped with the reason; under
// CI=true a missing service fails them.
import { randomBytes } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect } from "@nats-io/transport-node";
import pg from "pg";
import { afterAll, afterEach, beforeEach, type TestContext } from "vitest";
import { postgresJournal } from "@eventloom/postgres";
import type { Journal } from "@eventloom/core";
import { natsNames } from "../../src/index.js";

export const NATS_URL = process.env["EVENTLOOM_TEST_NATS"] ?? "127.0.0.1:4222";
export const POSTGRES_URL =
  process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";

type Probe = { readonly ok: true } | { readonly ok: false; readonly reason: string };

async function probeNats(): Promise<Probe> {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3_000, reconnect: false });
    const js = nc.info?.jetstream === true;
    await nc.close();
    if (!js)
      return { ok: false, reason: `NATS at ${NATS_URL} has no JetStream (start it with -js)` };
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `no NATS at ${NATS_URL} (${error instanceof Error ? error.message : String(error)}); start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`,
    };
  }
}

async function probePostgres(): Promise<Probe> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `no PostgreSQL at ${POSTGRES_URL.replace(/\/\/[^@]*@/, "//")} (${error instanceof Error ? error.message : String(error)}); start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

const [natsProbe, postgresProbe] = await Promise.all([probeNats(), probePostgres()]);

/** Skips the test with the reason when a service is missing, or fails it under CI=true. */
export function requireServices(ctx: TestContext): void {
  for (const p of [natsProbe, postgresProbe]) {
    if (p.ok) continue;
    if (process.env["CI"] === "true") throw new Error(`CI=true and ${p.reason}`);
    ctx.skip(p.reason);
  }
}

export interface Fixture {
  /** A new NATS connection, closed after the test. */
  connect(): Promise<NatsConnection>;
  /** The test's stream prefix (its streams are deleted after the test). */
  readonly prefix: string;
  /** The test's schema name (dropped after the test). */
  readonly schema: string;
  /** A journal on the test's schema (its own pool, so its own owner name), closed after. */
  journal(options?: { claimMs?: number }): Journal;
  /** A pool on the test database, ended after the test. */
  pool(): pg.Pool;
  /** Registers cleanup to run after the test (before the streams and schema go). */
  defer(fn: () => unknown): void;
}

/** Registers the hooks and returns the fixture. Call once at the top of a test file. */
export function useServices(): Fixture {
  let prefix = "";
  let schema = "";
  const connections: NatsConnection[] = [];
  const journals: Journal[] = [];
  const pools: pg.Pool[] = [];
  const deferred: (() => unknown)[] = [];
  let admin: pg.Pool | undefined;

  beforeEach((ctx) => {
    requireServices(ctx);
    const id = randomBytes(5).toString("hex");
    prefix = `elt_${id}`;
    schema = `el_nats_${id}`;
  });
  afterEach(async () => {
    for (const fn of deferred.splice(0).reverse()) await fn();
    await Promise.allSettled(journals.splice(0).map((j) => j.close()));
    await Promise.allSettled(pools.splice(0).map((p) => p.end()));
    if (prefix !== "" && natsProbe.ok) {
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      const names = natsNames(prefix);
      for (const stream of [names.runsStream, names.outStream, names.stateStream]) {
        await jsm.streams.delete(stream).catch(() => false);
      }
      await nc.close();
    }
    await Promise.allSettled(connections.splice(0).map((c) => c.close()));
    if (schema !== "" && postgresProbe.ok) {
      admin ??= new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
    prefix = schema = "";
  });
  afterAll(async () => {
    await admin?.end();
  });

  return {
    async connect() {
      const nc = await connect({ servers: NATS_URL });
      connections.push(nc);
      return nc;
    },
    get prefix() {
      return prefix;
    },
    get schema() {
      return schema;
    },
    journal(options) {
      const j = postgresJournal(
        { connectionString: POSTGRES_URL, max: 4 },
        { schema, ...(options?.claimMs === undefined ? {} : { claimMs: options.claimMs }) },
      );
      journals.push(j);
      return j;
    },
    pool() {
      const p = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
      p.on("error", () => {});
      pools.push(p);
      return p;
    },
    defer(fn) {
      deferred.push(fn);
    },
  };
}
