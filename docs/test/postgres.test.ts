// The "Durable runs on PostgreSQL" page's sample, run against the test server in a schema of
// its own (dropped after). Without a server it reports itself skipped; under CI=true it fails.
import { randomBytes } from "node:crypto";
import { format } from "node:util";
import pg from "pg";
import { afterEach, expect, it, vi } from "vitest";

const url = process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";
const reason = await (async () => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return `no PostgreSQL at ${url.replace(/\/\/[^@]*@/, "//")} (${error instanceof Error ? error.message : String(error)}); start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start`;
  } finally {
    await client.end().catch(() => {});
  }
})();

const schema = `el_docs_${randomBytes(4).toString("hex")}`;

afterEach(async () => {
  vi.restoreAllMocks();
  delete process.env["EVENTLOOM_SCHEMA"];
  delete process.env["DATABASE_URL"];
  if (reason !== undefined) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

/** Skips the test without a server (fails under CI=true), and points the sample at its schema. */
function useServer(ctx: { skip(note: string): void }): void {
  if (reason !== undefined) {
    if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
    ctx.skip(reason);
  }
  process.env["DATABASE_URL"] = url;
  process.env["EVENTLOOM_SCHEMA"] = schema;
}

it("postgres: B cannot drive A's run; after A dies, B takes it over and finishes it", async (ctx) => {
  useServer(ctx);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL("../examples/postgres.ts", import.meta.url).href);
  expect(log.mock.calls.map((args) => format(...args))).toEqual([
    "B sees the run, running",
    "B: owned by A",
    "o-1 shipped",
    "completed",
  ]);
});

it("postgres setup: recovers at start-up, on a timer too, and runs", async (ctx) => {
  useServer(ctx);
  const listeners = process.listenerCount("SIGTERM");
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL("../examples/postgres-setup.ts", import.meta.url).href);
  expect(log.mock.calls.map((args) => format(...args))).toEqual(["shipped o-2"]);
  expect(process.listenerCount("SIGTERM")).toBe(listeners);
});
