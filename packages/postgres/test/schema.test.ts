// Tables created on first use, the schema version they record, and schemas that are refused.
import { JournalError } from "@eventloom/core";
import { POSTGRES_SCHEMA_VERSION, postgresJournal } from "@eventloom/postgres";
import { describe, expect, it } from "vitest";
import { ensureSchema } from "../src/internal/schema.js";
import { entry } from "./support/entries.js";
import { SERVER_URL, usePostgres } from "./support/postgres.js";

const db = usePostgres();

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await db
    .admin()
    .query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
      [schema],
    );
  return rows.map((r) => r.name);
}

/**
 * A schema as version `version` of @eventloom/postgres left it: run "r" with its header, claimed
 * by A; "chosen" claimed by A before its header; "lapsed" claimed by A, the claim run out.
 */
async function olderSchema(schema: string, version: number): Promise<void> {
  const client = await db.admin().connect();
  try {
    await ensureSchema(client, { name: schema, quoted: `"${schema}"` }, version);
    const s = `"${schema}"`;
    await client.query(
      `INSERT INTO ${s}.runs (run_id, workflow, status, started_at, updated_at, next_seq) VALUES ('r', 'Order', 'running', 1, 1, 1)`,
    );
    await client.query(
      `INSERT INTO ${s}.entries (run_id, seq, at, workflow, status, record) VALUES ('r', 0, 1, 'Order', 'running', '{"kind":"header"}')`,
    );
    await client.query(
      `INSERT INTO ${s}.claims (run_id, owner, expires_at) VALUES ('r', 'A', now() + interval '1 minute'), ('chosen', 'A', now() + interval '1 minute'), ('lapsed', 'A', now() - interval '1 second')`,
    );
  } finally {
    client.release();
  }
}

describe("schema", () => {
  it("creates nothing until first use, then its tables and the version it wrote", async () => {
    const schema = db.schema();
    const journal = db.journal({ schema });
    expect(await tablesIn(schema)).toEqual([]);
    await journal.listRuns();
    expect(await tablesIn(schema)).toEqual(["entries", "runs", "schema_version"]);
    const { rows } = await db
      .admin()
      .query<{ version: number; written_by: string }>(
        `SELECT version, written_by FROM "${schema}".schema_version ORDER BY version`,
      );
    // One row per migration it applied, the newest last.
    expect(rows).toEqual(
      Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => ({
        version: i + 1,
        written_by: "@eventloom/postgres",
      })),
    );
  });

  for (const from of [1, 2]) {
    it(`migrates a schema of version ${from} forward, keeping its runs and claims`, async () => {
      const schema = db.schema();
      await olderSchema(schema, from);
      const journal = db.journal({ schema });
      await journal.append([entry("r", 1)]);
      expect((await journal.read("r")).map((e) => e.seq)).toEqual([0, 1]);
      // The run claimed before its header is not listed, and its claim holds.
      expect((await journal.listRuns()).map((r) => r.runId)).toEqual(["r"]);
      expect(await journal.read("chosen")).toEqual([]);
      expect(await journal.claim("r", "B", 60_000)).toBe(false);
      expect(await journal.claim("chosen", "B", 60_000)).toBe(false);
      expect(await journal.claim("chosen", "A", 60_000)).toBe(true);
      await journal.append([entry("chosen", 0)]);
      expect((await journal.listRuns()).map((r) => r.runId).sort()).toEqual(["chosen", "r"]);
      expect(await journal.claim("chosen", "B", 60_000)).toBe(false);
      // A claim that had run out is free.
      expect(await journal.claim("lapsed", "B", 60_000)).toBe(true);
      const { rows } = await db.admin().query<{
        version: number;
      }>(`SELECT max(version) AS version FROM "${schema}".schema_version`);
      expect(rows[0]!.version).toBe(POSTGRES_SCHEMA_VERSION);
      expect(await tablesIn(schema)).toEqual(["entries", "runs", "schema_version"]);
    });
  }

  it("opens a schema another journal wrote, with its runs", async () => {
    const schema = db.schema();
    const first = db.journal({ schema });
    await first.append([entry("r", 0)]);
    await first.close();
    expect((await db.journal({ schema }).read("r")).length).toBe(1);
  });

  it("lets several journals open one new schema at the same moment", async () => {
    const schema = db.schema();
    const journals = Array.from({ length: 4 }, () => db.journal({ schema }));
    await Promise.all(journals.map((j, i) => j.append([entry(`r${i}`, 0)])));
    expect((await journals[0]!.listRuns()).length).toBe(4);
  });

  it("refuses a schema of a newer version, naming schema and versions, and changes nothing", async () => {
    const schema = db.schema();
    const old = db.journal({ schema });
    await old.append([entry("r", 0)]);
    await db
      .admin()
      .query(`INSERT INTO "${schema}".schema_version (version, written_by) VALUES (99, 'future')`);
    const journal = db.journal({ schema });
    const error = await journal.append([entry("r", 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalError);
    const message = (error as Error).message;
    expect(message).toContain(`schema "${schema}"`);
    expect(message).toContain("version 99");
    expect(message).toContain(`version ${POSTGRES_SCHEMA_VERSION} at most`);
    expect(message).toContain("upgrade @eventloom/postgres");
    await expect(journal.claim("r", "A", 1_000)).rejects.toThrow(/version 99/);
    const { rows } = await db.admin().query(`SELECT seq FROM "${schema}".entries`);
    expect(rows).toEqual([{ seq: 0 }]);
  });

  it("refuses a schema that holds another program's tables", async () => {
    const schema = db.schema();
    await db.admin().query(`CREATE SCHEMA "${schema}"`);
    await db.admin().query(`CREATE TABLE "${schema}".entries (id int)`);
    const journal = postgresJournal({ connectionString: SERVER_URL }, { schema });
    try {
      await expect(journal.listRuns()).rejects.toThrow(
        new RegExp(`schema "${schema}" holds tables of another program \\(entries\\)`),
      );
      expect(await tablesIn(schema)).toEqual(["entries"]);
    } finally {
      await journal.close();
    }
  });

  it("quotes the schema name: mixed case names their own schema", async () => {
    const schema = `${db.schema()}_Mixed`;
    const journal = db.journal({ schema });
    await journal.append([entry("r", 0)]);
    expect(await tablesIn(schema)).toContain("entries");
  });
});
