// The "Distributed runs" page's sample, run against the test broker and database with a stream
// prefix and a schema of its own (deleted after). Without them it reports itself skipped; under
// CI=true it fails.
import { randomBytes } from "node:crypto";
import { format } from "node:util";
import pg from "pg";
import { afterEach, expect, it, vi } from "vitest";
import { connectNats, removeNatsStreams } from "@eventloom/nats";

const natsUrl = process.env["EVENTLOOM_TEST_NATS"] ?? "127.0.0.1:4222";
const url = process.env["EVENTLOOM_TEST_POSTGRES"] ?? "postgres://postgres@127.0.0.1:5432/test";
const reason = await (async () => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    return `no PostgreSQL at ${url.replace(/\/\/[^@]*@/, "//")} (${error instanceof Error ? error.message : String(error)}); start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start`;
  } finally {
    await client.end().catch(() => {});
  }
  try {
    const nc = await connectNats({ servers: natsUrl, reconnect: false });
    await nc.close();
  } catch (error) {
    return `${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
})();

const id = randomBytes(4).toString("hex");
const schema = `el_docs_nats_${id}`;
const prefix = `el_docs_${id}`;

afterEach(async () => {
  vi.restoreAllMocks();
  for (const key of ["EVENTLOOM_SCHEMA", "EVENTLOOM_PREFIX", "DATABASE_URL", "NATS_URL"])
    delete process.env[key];
  if (reason !== undefined) return;
  const nc = await connectNats({ servers: natsUrl });
  await removeNatsStreams(nc, { prefix });
  await nc.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

it("distributed runs: A drains, B resumes its three runs from the journal, and they complete", async (ctx) => {
  if (reason !== undefined) {
    if (process.env["CI"] === "true") throw new Error(`CI=true and ${reason}`);
    ctx.skip(reason);
  }
  Object.assign(process.env, {
    DATABASE_URL: url,
    NATS_URL: natsUrl,
    EVENTLOOM_SCHEMA: schema,
    EVENTLOOM_PREFIX: prefix,
  });
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL("../examples/distributed-runs.ts", import.meta.url).href);
  expect(log.mock.calls.map((args) => format(...args))).toEqual([
    "A drives 3 runs",
    "A drives 0 runs",
    "o-1 shipped",
    "o-2 shipped",
    "o-3 shipped",
    expect.stringMatching(/^0 AskApproval … \d+ StopEvent$/),
  ]);
});
