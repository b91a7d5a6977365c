// The journal's tables inside its schema, the forward-only migrations, and the check that decides
// whether an existing schema is ours.
import { JournalError } from "@eventloom/core";
import type pg from "pg";
import { POSTGRES_SCHEMA_VERSION } from "../schema-version.js";

/** What the statements need to know about the schema: its name, quoted for SQL. */
export interface SchemaNames {
  readonly name: string;
  readonly quoted: string;
}

/** The SQLSTATE `append_entries` raises for a seq that is not the run's next. */
export const CONFLICT_SQLSTATE = "EL409";

// One entry per version, applied in order, each inside the transaction that records it: a
// migration is never edited once released, only followed by the next one.
//
// Records are `text`, not `jsonb`: the store never looks inside a record, and text is what
// JSON.stringify made, kept byte for byte. jsonb would parse every record on the way in (cost),
// reorder object keys and drop duplicate ones (so a record read back is not what was written),
// and refuse legal JSON strings holding "\u0000" or a lone surrogate escape. Text also makes the
// retry check ("is exactly this entry already stored?") a plain equality.
//
// `append_entries` does a whole append in one call, so one round trip: it locks the runs it
// touches (in run_id order, so two appends never deadlock), checks each run's next seq, and only
// then writes. A function call is one statement, so it is atomic without BEGIN/COMMIT.
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
CREATE TABLE ${s}.entries (
  run_id   text NOT NULL,
  seq      integer NOT NULL,
  at       double precision NOT NULL,
  workflow text,
  status   text,
  record   text NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE TABLE ${s}.runs (
  run_id     text PRIMARY KEY,
  workflow   text NOT NULL,
  status     text NOT NULL,
  started_at double precision NOT NULL,
  updated_at double precision NOT NULL,
  next_seq   integer NOT NULL
);
CREATE INDEX runs_by_start ON ${s}.runs (started_at DESC, run_id DESC);
CREATE INDEX runs_by_workflow ON ${s}.runs (workflow, started_at DESC, run_id DESC);
CREATE INDEX runs_by_status ON ${s}.runs (status, started_at DESC, run_id DESC);
CREATE TABLE ${s}.claims (
  run_id     text PRIMARY KEY,
  owner      text NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE FUNCTION ${s}.append_entries(
  b_run text[], b_first integer[], b_next integer[], b_workflow text[], b_status text[],
  b_started double precision[], b_updated double precision[],
  e_run text[], e_seq integer[], e_at double precision[], e_workflow text[], e_status text[],
  e_record text[]
) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  bad record;
  inserted text[];
BEGIN
  PERFORM 1 FROM ${s}.runs WHERE run_id = ANY (b_run) ORDER BY run_id FOR UPDATE;
  SELECT b.run_id, b.first_seq, coalesce(r.next_seq, 0) AS expected INTO bad
    FROM unnest(b_run, b_first) AS b (run_id, first_seq)
    LEFT JOIN ${s}.runs r ON r.run_id = b.run_id
    WHERE coalesce(r.next_seq, 0) <> b.first_seq
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
      DETAIL = json_build_object('runId', bad.run_id, 'seq', bad.first_seq, 'expected', bad.expected)::text;
  END IF;
  -- New runs: a writer that created one of them since the check above wins, and this append
  -- is a conflict at its seq 0.
  WITH ins AS (
    INSERT INTO ${s}.runs (run_id, workflow, status, started_at, updated_at, next_seq)
    SELECT run_id, workflow, coalesce(status, 'running'), started_at, updated_at, next_seq
      FROM unnest(b_run, b_first, b_next, b_workflow, b_status, b_started, b_updated)
        AS b (run_id, first_seq, next_seq, workflow, status, started_at, updated_at)
      WHERE first_seq = 0
    ON CONFLICT (run_id) DO NOTHING
    RETURNING run_id
  )
  SELECT array_agg(run_id) INTO inserted FROM ins;
  SELECT b.run_id INTO bad
    FROM unnest(b_run, b_first) AS b (run_id, first_seq)
    WHERE b.first_seq = 0 AND b.run_id <> ALL (coalesce(inserted, '{}'))
    LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
      DETAIL = json_build_object('runId', bad.run_id, 'seq', 0, 'expected', 1)::text;
  END IF;
  UPDATE ${s}.runs r
    SET next_seq = b.next_seq, status = coalesce(b.status, r.status), updated_at = b.updated_at
    FROM unnest(b_run, b_first, b_next, b_status, b_updated)
      AS b (run_id, first_seq, next_seq, status, updated_at)
    WHERE r.run_id = b.run_id AND b.first_seq > 0;
  INSERT INTO ${s}.entries (run_id, seq, at, workflow, status, record)
    SELECT * FROM unnest(e_run, e_seq, e_at, e_workflow, e_status, e_record);
END
$fn$;
`,
  // Version 2: `commit_tick` runs the claims, appends and releases called in one tick as one
  // transaction, in call order, in one round trip. The caller groups the calls into segments:
  // a run of claims (of distinct runs, sorted by run_id so rows are locked in one order), a run
  // of releases, or one append; each segment is a slice of its kind's arrays. Claims and
  // releases cannot conflict (a refused claim is a run not returned); each append runs in a
  // subtransaction, so a conflict undoes that append alone and comes back as its outcome. Any
  // other error aborts the whole tick, which the caller may retry (it changed nothing).
  //
  // It also makes `append_entries` cheaper (same signature and errors): the runs that go on are
  // moved by one UPDATE that only matches a run standing at the append's first seq (it takes
  // their row locks; a count short of the runs asked for is a conflict, found out after), instead
  // of locking them, checking them, and updating them in three passes, the update joined by a
  // scan of the whole runs table. New runs are a plain INSERT: a writer that created one of them
  // first is a unique violation, turned into the conflict at its seq 0. Both functions look
  // runs up by key only: for an append of a thousand runs the planner would rather scan the
  // whole runs table (a seq scan, or a hash join on one) than probe its key a thousand times,
  // which is what it costs in pages it has in memory; on a table of 100 000 runs that scan was
  // most of an append. And a run's row gets
  // room to change in its page (fillfactor 50): an append that moves a run without changing its
  // status is then a HOT update, which writes none of the runs table's four indexes.
  (s) => `
ALTER TABLE ${s}.runs SET (fillfactor = 50);
CREATE OR REPLACE FUNCTION ${s}.append_entries(
  b_run text[], b_first integer[], b_next integer[], b_workflow text[], b_status text[],
  b_started double precision[], b_updated double precision[],
  e_run text[], e_seq integer[], e_at double precision[], e_workflow text[], e_status text[],
  e_record text[]
) RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
DECLARE
  bad record;
  moving integer;
  moved integer;
BEGIN
  SELECT count(*) INTO moving FROM unnest(b_first) AS b (first_seq) WHERE b.first_seq > 0;
  IF moving > 0 THEN
    WITH m AS (
      UPDATE ${s}.runs r
        SET next_seq = b.next_seq, status = coalesce(b.status, r.status), updated_at = b.updated_at
        FROM unnest(b_run, b_first, b_next, b_status, b_updated)
          AS b (run_id, first_seq, next_seq, status, updated_at)
        WHERE r.run_id = b.run_id AND b.first_seq > 0 AND r.next_seq = b.first_seq
        RETURNING 1
    )
    SELECT count(*) INTO moved FROM m;
    IF moved <> moving THEN
      SELECT b.run_id, b.first_seq, coalesce(r.next_seq, 0) AS expected INTO bad
        FROM unnest(b_run, b_first) AS b (run_id, first_seq)
        LEFT JOIN ${s}.runs r ON r.run_id = b.run_id
        WHERE b.first_seq > 0 AND coalesce(r.next_seq, 0) <> b.first_seq
        LIMIT 1;
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
        DETAIL = json_build_object('runId', bad.run_id, 'seq', bad.first_seq, 'expected', bad.expected)::text;
    END IF;
  END IF;
  IF moving < array_length(b_run, 1) THEN
    BEGIN
      INSERT INTO ${s}.runs (run_id, workflow, status, started_at, updated_at, next_seq)
      SELECT run_id, workflow, coalesce(status, 'running'), started_at, updated_at, next_seq
        FROM unnest(b_run, b_first, b_next, b_workflow, b_status, b_started, b_updated)
          AS b (run_id, first_seq, next_seq, workflow, status, started_at, updated_at)
        WHERE first_seq = 0;
    EXCEPTION WHEN unique_violation THEN
      SELECT b.run_id, coalesce(r.next_seq, 1) AS expected INTO bad
        FROM unnest(b_run, b_first) AS b (run_id, first_seq)
        LEFT JOIN ${s}.runs r ON r.run_id = b.run_id
        WHERE b.first_seq = 0
        ORDER BY r.run_id IS NULL
        LIMIT 1;
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
        DETAIL = json_build_object('runId', bad.run_id, 'seq', 0, 'expected', bad.expected)::text;
    END;
  END IF;
  INSERT INTO ${s}.entries (run_id, seq, at, workflow, status, record)
    SELECT * FROM unnest(e_run, e_seq, e_at, e_workflow, e_status, e_record);
END
$fn$;
CREATE FUNCTION ${s}.commit_tick(
  s_kind text[], s_from integer[], s_to integer[], s_efrom integer[], s_eto integer[],
  c_run text[], c_owner text[], c_ms double precision[],
  r_run text[], r_owner text[],
  b_run text[], b_first integer[], b_next integer[], b_workflow text[], b_status text[],
  b_started double precision[], b_updated double precision[],
  e_run text[], e_seq integer[], e_at double precision[], e_workflow text[], e_status text[],
  e_record text[]
) RETURNS TABLE (o_claimed text[], o_conflict text) LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
DECLARE
  v_k integer;
  v_from integer;
  v_to integer;
  v_efrom integer;
  v_eto integer;
BEGIN
  FOR v_k IN 1 .. coalesce(array_length(s_kind, 1), 0) LOOP
    v_from := s_from[v_k];
    v_to := s_to[v_k];
    o_claimed := NULL;
    o_conflict := NULL;
    IF s_kind[v_k] = 'claim' THEN
      WITH up AS (
        INSERT INTO ${s}.claims AS c (run_id, owner, expires_at)
        SELECT x.r, x.o, now() + x.l * interval '1 millisecond'
          FROM unnest(c_run[v_from:v_to], c_owner[v_from:v_to], c_ms[v_from:v_to])
            WITH ORDINALITY AS x (r, o, l, n)
          ORDER BY x.n
        ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
        WHERE c.owner = excluded.owner OR c.expires_at <= now()
        RETURNING c.run_id
      )
      SELECT coalesce(array_agg(up.run_id), '{}') INTO o_claimed FROM up;
    ELSIF s_kind[v_k] = 'release' THEN
      WITH held AS (
        SELECT c.run_id FROM ${s}.claims c
          JOIN unnest(r_run[v_from:v_to], r_owner[v_from:v_to]) AS x (r, o)
            ON c.run_id = x.r AND c.owner = x.o
         ORDER BY c.run_id FOR UPDATE OF c
      )
      DELETE FROM ${s}.claims c USING held WHERE c.run_id = held.run_id;
    ELSE
      v_efrom := s_efrom[v_k];
      v_eto := s_eto[v_k];
      BEGIN
        PERFORM ${s}.append_entries(
          b_run[v_from:v_to], b_first[v_from:v_to], b_next[v_from:v_to],
          b_workflow[v_from:v_to], b_status[v_from:v_to], b_started[v_from:v_to],
          b_updated[v_from:v_to],
          e_run[v_efrom:v_eto], e_seq[v_efrom:v_eto], e_at[v_efrom:v_eto],
          e_workflow[v_efrom:v_eto], e_status[v_efrom:v_eto], e_record[v_efrom:v_eto]);
      EXCEPTION WHEN SQLSTATE '${CONFLICT_SQLSTATE}' THEN
        GET STACKED DIAGNOSTICS o_conflict = PG_EXCEPTION_DETAIL;
      END;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$fn$;
`,
  // Version 3: a step's append writes its entries and nothing else, and a run's claim lives in
  // its runs row. The floor of a durable run is its entries; version 2 also moved every run's
  // row at every append (next_seq, updated_at), wrote a claims row when a run started and
  // deleted it when it ended, and kept three indexes beside the key, one of them rewritten by
  // every run's end.
  //
  // - An append checks that each run it goes on with has the entry before its first one (no
  //   gap, and the run exists); an entry stored already is the entries key's unique violation.
  //   Both are the conflict. Two appenders at one seq still cannot both win: the second waits on
  //   the key and fails. The runs row changes only with the run's status; listRuns takes a
  //   run's updatedAt from its last entry (one probe of the entries key per run listed).
  // - A run's claim is its row's owner and expires_at. A new run's claim goes in the insert of
  //   its header (commit_tick hands append_entries the owners of runs claimed in the same tick);
  //   renewals and releases change columns no index holds (HOT updates, no index written). A run
  //   claimed before its header (a run id the caller chose) gets a row that is not started (no
  //   workflow), which read and listRuns do not show; its header fills that row.
  // - Indexes: listRuns returns every run that matches (no LIMIT), so ordering is a sort of what
  //   it returns anyway; an index pays for a filter that leaves most runs out. By workflow
  //   (recover lists its workflow's running runs) stays; its columns never change once the
  //   header is written. By start time and by status went: a changed status cannot be a HOT
  //   update while an index holds it, so every run's end rewrote all of the table's indexes.
  (s) => `
ALTER TABLE ${s}.runs
  ALTER COLUMN workflow DROP NOT NULL,
  ALTER COLUMN status DROP NOT NULL,
  ALTER COLUMN started_at DROP NOT NULL,
  DROP COLUMN updated_at,
  DROP COLUMN next_seq,
  ADD COLUMN owner text,
  ADD COLUMN expires_at timestamptz;
UPDATE ${s}.runs r SET owner = c.owner, expires_at = c.expires_at
  FROM ${s}.claims c WHERE c.run_id = r.run_id;
INSERT INTO ${s}.runs (run_id, owner, expires_at)
  SELECT c.run_id, c.owner, c.expires_at FROM ${s}.claims c
  WHERE NOT EXISTS (SELECT 1 FROM ${s}.runs r WHERE r.run_id = c.run_id);
DROP TABLE ${s}.claims;
DROP INDEX ${s}.runs_by_start;
DROP INDEX ${s}.runs_by_status;
DROP FUNCTION ${s}.commit_tick;
DROP FUNCTION ${s}.append_entries;
-- Claims runs for owners: a free run (no owner, the owner's own, or a lease run out) is taken,
-- a run with no row gets one that is not started. Returns the runs claimed. Rows are locked in
-- the order given (the caller sorts by run_id), so two claimers never deadlock.
CREATE FUNCTION ${s}.claim_runs(c_run text[], c_owner text[], c_ms double precision[])
RETURNS text[] LANGUAGE sql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
  WITH up AS (
    INSERT INTO ${s}.runs AS r (run_id, owner, expires_at)
    SELECT x.r, x.o, now() + x.l * interval '1 millisecond'
      FROM unnest(c_run, c_owner, c_ms) WITH ORDINALITY AS x (r, o, l, n)
      ORDER BY x.n
    ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
    WHERE r.owner IS NULL OR r.owner = excluded.owner OR r.expires_at <= now()
    RETURNING r.run_id
  )
  SELECT coalesce(array_agg(up.run_id), '{}') FROM up;
$fn$;
-- One append, all or nothing: b_* one value per run (its first seq in the append, the workflow
-- and start of a new run, the status it ends at, NULL for unchanged; b_owner / b_ms the claim a
-- new run is inserted with, NULL for none; b_release the owner whose claim ends with the run's
-- new status, only for a run whose status changes), e_* one per entry. Returns the runs
-- inserted with a claim. A run whose row a claim made before its header takes the header in
-- that row.
CREATE FUNCTION ${s}.append_entries(
  b_run text[], b_first integer[], b_workflow text[], b_status text[],
  b_started double precision[], b_owner text[], b_ms double precision[], b_release text[],
  e_run text[], e_seq integer[], e_at double precision[], e_workflow text[], e_status text[],
  e_record text[]
) RETURNS text[] LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
DECLARE
  bad record;
  moving integer;
  follow integer;
  claimed text[] := '{}';
  filled text[];
  inserted text[];
BEGIN
  SELECT count(*) INTO moving FROM unnest(b_first) AS b (first_seq) WHERE b.first_seq > 0;
  IF moving > 0 THEN
    SELECT count(*) INTO follow
      FROM unnest(b_run, b_first) AS b (run_id, first_seq)
      JOIN ${s}.entries e ON e.run_id = b.run_id AND e.seq = b.first_seq - 1
      WHERE b.first_seq > 0;
    IF follow <> moving THEN
      SELECT b.run_id, b.first_seq,
             (SELECT coalesce(max(e.seq) + 1, 0) FROM ${s}.entries e WHERE e.run_id = b.run_id) AS expected
        INTO bad
        FROM unnest(b_run, b_first) AS b (run_id, first_seq)
        WHERE b.first_seq > 0 AND NOT EXISTS (
          SELECT 1 FROM ${s}.entries e WHERE e.run_id = b.run_id AND e.seq = b.first_seq - 1)
        LIMIT 1;
      RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
        DETAIL = json_build_object('runId', bad.run_id, 'seq', bad.first_seq, 'expected', bad.expected)::text;
    END IF;
    UPDATE ${s}.runs r SET status = b.status,
        owner = CASE WHEN r.owner = b.released THEN NULL ELSE r.owner END,
        expires_at = CASE WHEN r.owner = b.released THEN NULL ELSE r.expires_at END
      FROM unnest(b_run, b_first, b_status, b_release) AS b (run_id, first_seq, status, released)
      WHERE r.run_id = b.run_id AND b.first_seq > 0 AND b.status IS NOT NULL;
  END IF;
  IF moving < array_length(b_run, 1) THEN
    BEGIN
      WITH ins AS (
        INSERT INTO ${s}.runs (run_id, workflow, status, started_at, owner, expires_at)
        SELECT run_id, workflow, coalesce(status, 'running'), started_at,
               owner, now() + ms * interval '1 millisecond'
          FROM unnest(b_run, b_first, b_workflow, b_status, b_started, b_owner, b_ms)
            AS b (run_id, first_seq, workflow, status, started_at, owner, ms)
          WHERE first_seq = 0
        RETURNING run_id, owner
      )
      SELECT coalesce(array_agg(run_id) FILTER (WHERE owner IS NOT NULL), '{}') INTO claimed FROM ins;
    EXCEPTION WHEN unique_violation THEN
      -- A run has a row already: one a claim made before its header (not started) takes the
      -- header; the others are inserted; any other is a conflict at its seq 0.
      WITH f AS (
        UPDATE ${s}.runs r
          SET workflow = b.workflow, status = coalesce(b.status, 'running'), started_at = b.started_at
          FROM unnest(b_run, b_first, b_workflow, b_status, b_started)
            AS b (run_id, first_seq, workflow, status, started_at)
          WHERE r.run_id = b.run_id AND b.first_seq = 0 AND r.workflow IS NULL
          RETURNING r.run_id
      )
      SELECT coalesce(array_agg(run_id), '{}') INTO filled FROM f;
      BEGIN
        WITH ins AS (
          INSERT INTO ${s}.runs (run_id, workflow, status, started_at, owner, expires_at)
          SELECT run_id, workflow, coalesce(status, 'running'), started_at,
                 owner, now() + ms * interval '1 millisecond'
            FROM unnest(b_run, b_first, b_workflow, b_status, b_started, b_owner, b_ms)
              AS b (run_id, first_seq, workflow, status, started_at, owner, ms)
            WHERE first_seq = 0 AND NOT EXISTS (SELECT 1 FROM ${s}.runs r WHERE r.run_id = b.run_id)
          RETURNING run_id, owner
        )
        SELECT coalesce(array_agg(run_id), '{}'),
               coalesce(array_agg(run_id) FILTER (WHERE owner IS NOT NULL), '{}')
          INTO inserted, claimed FROM ins;
      EXCEPTION WHEN unique_violation THEN
        inserted := '{}'; -- a writer created one of them since: the check below finds it
      END;
      SELECT b.run_id,
             (SELECT coalesce(max(e.seq) + 1, 1) FROM ${s}.entries e WHERE e.run_id = b.run_id) AS expected
        INTO bad
        FROM unnest(b_run, b_first) AS b (run_id, first_seq)
        WHERE b.first_seq = 0 AND NOT (b.run_id = ANY (filled || inserted))
        ORDER BY NOT EXISTS (SELECT 1 FROM ${s}.runs r WHERE r.run_id = b.run_id)
        LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
          DETAIL = json_build_object('runId', bad.run_id, 'seq', 0, 'expected', bad.expected)::text;
      END IF;
    END;
  END IF;
  BEGIN
    INSERT INTO ${s}.entries (run_id, seq, at, workflow, status, record)
      SELECT * FROM unnest(e_run, e_seq, e_at, e_workflow, e_status, e_record);
  EXCEPTION WHEN unique_violation THEN
    -- An entry of this append is stored already (another writer's, or this one's retried).
    SELECT i.run_id, i.seq,
           (SELECT max(x.seq) + 1 FROM ${s}.entries x WHERE x.run_id = i.run_id) AS expected
      INTO bad
      FROM unnest(e_run, e_seq) AS i (run_id, seq)
      WHERE EXISTS (SELECT 1 FROM ${s}.entries e WHERE e.run_id = i.run_id AND e.seq = i.seq)
      LIMIT 1;
    RAISE EXCEPTION USING ERRCODE = '${CONFLICT_SQLSTATE}', MESSAGE = 'journal conflict',
      DETAIL = json_build_object('runId', bad.run_id, 'seq', bad.seq, 'expected', bad.expected)::text;
  END;
  RETURN claimed;
END
$fn$;
-- As version 2's, and: the claims of new runs whose header an append of the same tick writes
-- come as that append's b_owner / b_ms (the caller moved them there: nothing between the claim
-- and the append names the run). The append's row of results names the ones claimed; if the
-- append conflicts, or a run had a row already, they are claimed as any other claim, after it
-- (which is the same: an append and a claim change different columns). Likewise the releases
-- right after an append that sets the run's status come as its b_release: one update of the
-- run's row for both; if the append conflicts, they are made on their own.
CREATE FUNCTION ${s}.commit_tick(
  s_kind text[], s_from integer[], s_to integer[], s_efrom integer[], s_eto integer[],
  c_run text[], c_owner text[], c_ms double precision[],
  r_run text[], r_owner text[],
  b_run text[], b_first integer[], b_workflow text[], b_status text[], b_started double precision[],
  b_owner text[], b_ms double precision[], b_release text[],
  e_run text[], e_seq integer[], e_at double precision[], e_workflow text[], e_status text[],
  e_record text[]
) RETURNS TABLE (o_claimed text[], o_conflict text) LANGUAGE plpgsql
SET enable_seqscan = off SET enable_hashjoin = off SET enable_mergejoin = off AS $fn$
DECLARE
  v_k integer;
  v_from integer;
  v_to integer;
  v_efrom integer;
  v_eto integer;
  v_asked integer;
  v_unstarted text[];
BEGIN
  FOR v_k IN 1 .. coalesce(array_length(s_kind, 1), 0) LOOP
    v_from := s_from[v_k];
    v_to := s_to[v_k];
    o_claimed := NULL;
    o_conflict := NULL;
    IF s_kind[v_k] = 'claim' THEN
      o_claimed := ${s}.claim_runs(c_run[v_from:v_to], c_owner[v_from:v_to], c_ms[v_from:v_to]);
    ELSIF s_kind[v_k] = 'release' THEN
      -- In the order given (the caller sorts by run_id), so rows are locked in one order.
      WITH up AS (
        UPDATE ${s}.runs r SET owner = NULL, expires_at = NULL
          FROM unnest(r_run[v_from:v_to], r_owner[v_from:v_to]) AS x (r, o)
          WHERE r.run_id = x.r AND r.owner = x.o
          RETURNING r.run_id, r.workflow IS NULL AS unstarted
      )
      SELECT array_agg(up.run_id) FILTER (WHERE up.unstarted) INTO v_unstarted FROM up;
      -- A run claimed and released before it started leaves nothing behind.
      IF v_unstarted IS NOT NULL THEN
        DELETE FROM ${s}.runs r WHERE r.run_id = ANY (v_unstarted) AND r.workflow IS NULL;
      END IF;
    ELSE
      v_efrom := s_efrom[v_k];
      v_eto := s_eto[v_k];
      SELECT count(*) INTO v_asked FROM unnest(b_owner[v_from:v_to]) AS x (o) WHERE x.o IS NOT NULL;
      BEGIN
        o_claimed := ${s}.append_entries(
          b_run[v_from:v_to], b_first[v_from:v_to], b_workflow[v_from:v_to],
          b_status[v_from:v_to], b_started[v_from:v_to], b_owner[v_from:v_to], b_ms[v_from:v_to],
          b_release[v_from:v_to], e_run[v_efrom:v_eto], e_seq[v_efrom:v_eto], e_at[v_efrom:v_eto],
          e_workflow[v_efrom:v_eto], e_status[v_efrom:v_eto], e_record[v_efrom:v_eto]);
      EXCEPTION WHEN SQLSTATE '${CONFLICT_SQLSTATE}' THEN
        GET STACKED DIAGNOSTICS o_conflict = PG_EXCEPTION_DETAIL;
        o_claimed := '{}';
        -- The releases that were to go with the append's status go on their own.
        UPDATE ${s}.runs r SET owner = NULL, expires_at = NULL
          FROM unnest(b_run[v_from:v_to], b_release[v_from:v_to]) AS x (r, o)
          WHERE x.o IS NOT NULL AND r.run_id = x.r AND r.owner = x.o;
      END;
      IF v_asked > cardinality(o_claimed) THEN
        o_claimed := o_claimed || ${s}.claim_runs(
          ARRAY(SELECT x.r FROM unnest(b_run[v_from:v_to], b_owner[v_from:v_to]) AS x (r, o)
                 WHERE x.o IS NOT NULL AND NOT (x.r = ANY (o_claimed)) ORDER BY x.r),
          ARRAY(SELECT x.o FROM unnest(b_run[v_from:v_to], b_owner[v_from:v_to]) AS x (r, o)
                 WHERE x.o IS NOT NULL AND NOT (x.r = ANY (o_claimed)) ORDER BY x.r),
          ARRAY(SELECT x.l FROM unnest(b_run[v_from:v_to], b_owner[v_from:v_to], b_ms[v_from:v_to]) AS x (r, o, l)
                 WHERE x.o IS NOT NULL AND NOT (x.r = ANY (o_claimed)) ORDER BY x.r));
      END IF;
    END IF;
    RETURN NEXT;
  END LOOP;
END
$fn$;
`,
];

// The code and the migrations must agree on what the newest version is.
if (MIGRATIONS.length !== POSTGRES_SCHEMA_VERSION) {
  throw new Error("@eventloom/postgres: MIGRATIONS and POSTGRES_SCHEMA_VERSION disagree");
}

/**
 * Creates or migrates the journal's tables in `schema`, in one transaction under an advisory lock
 * on the schema's name, so processes starting at once agree. A schema of a newer version, or one
 * that holds another program's tables, is refused with nothing changed.
 */
export async function ensureSchema(
  client: pg.PoolClient,
  schema: SchemaNames,
  /** For tests of the migrations: the version to stop at. */
  upTo: number = POSTGRES_SCHEMA_VERSION,
): Promise<void> {
  const s = schema.quoted;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [
      `eventloom.postgres.schema:${schema.name}`,
    ]);
    const tables = await tablesOf(client, schema.name);
    let version = 0;
    if (tables.includes("schema_version")) {
      const { rows } = await client.query<{ version: number | null }>(
        `SELECT max(version) AS version FROM ${s}.schema_version`,
      );
      version = rows[0]?.version ?? 0;
      if (version > POSTGRES_SCHEMA_VERSION) throw newerSchema(schema.name, version);
    } else if (tables.length > 0) {
      throw foreignSchema(schema.name, tables);
    } else {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE ${s}.schema_version (
          version    integer PRIMARY KEY,
          written_by text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
    }
    for (let v = version; v < upTo; v++) {
      await client.query(MIGRATIONS[v]!(s));
      await client.query(`INSERT INTO ${s}.schema_version (version, written_by) VALUES ($1, $2)`, [
        v + 1,
        "@eventloom/postgres",
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

async function tablesOf(client: pg.PoolClient, schema: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1",
    [schema],
  );
  return rows.map((r) => r.name);
}

/** The schema was written by a newer `@eventloom/postgres`. */
export function newerSchema(schema: string, version: number): JournalError {
  return new JournalError(
    `postgresJournal: schema "${schema}" holds a journal of schema version ${version}, but this @eventloom/postgres reads and writes version ${POSTGRES_SCHEMA_VERSION} at most. It was migrated by a newer @eventloom/postgres: upgrade @eventloom/postgres in this program to the version the rest of the fleet runs (nothing in the schema was changed).`,
  );
}

/** The schema holds tables that are not a journal's. */
export function foreignSchema(schema: string, tables: readonly string[]): JournalError {
  const shown = tables.slice(0, 5).join(", ") + (tables.length > 5 ? ", …" : "");
  return new JournalError(
    `postgresJournal: schema "${schema}" holds tables of another program (${shown}) and no Eventloom schema_version table. Give the journal a schema of its own, e.g. postgresJournal({ pool }, { schema: "eventloom" }); nothing in this schema was changed.`,
  );
}
