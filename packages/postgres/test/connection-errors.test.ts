// A server that is not there: these need no PostgreSQL, only a port where nothing listens.
import net from "node:net";
import { JournalError } from "@eventloom/core";
import { postgresJournal } from "@eventloom/postgres";
import pg from "pg";
import { describe, expect, it } from "vitest";

/** A loopback port that was free a moment ago (nothing listens on it). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("an unreachable server", () => {
  it("fails at once with a JournalError naming host and port and how to start PostgreSQL", async () => {
    const port = await deadPort();
    const journal = postgresJournal({
      connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
    });
    const started = Date.now();
    const error = await journal.append([]).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000); // no retries before the first connection
    expect(error).toBeInstanceOf(JournalError);
    expect((error as Error).message).toContain(`PostgreSQL at 127.0.0.1:${port}`);
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).toContain("Start PostgreSQL");
    await journal.close();
  });

  it("says the same for a pool the user passed, and leaves that pool to the user", async () => {
    const port = await deadPort();
    const pool = new pg.Pool({ host: "127.0.0.1", port, user: "postgres", database: "test" });
    const journal = postgresJournal({ pool });
    await expect(journal.read("r")).rejects.toThrow(`PostgreSQL at 127.0.0.1:${port}`);
    await journal.close();
    expect(pool.ended).toBe(false);
    await pool.end();
  });

  it("names a host that does not resolve", async () => {
    const journal = postgresJournal({
      connectionString: "postgres://postgres@no-such-host.invalid:5432/test",
    });
    await expect(journal.listRuns()).rejects.toThrow(
      /no-such-host\.invalid:5432 \((ENOTFOUND|EAI_AGAIN)\)/,
    );
    await journal.close();
  });
});
