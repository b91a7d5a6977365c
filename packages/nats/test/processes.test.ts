// Real processes: two worker processes on one broker and one journal, a client here; one worker
// is killed with SIGKILL while its runs are live. Every run completes once, no journaled step
// runs again, and every run's stream arrives whole and in order.
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import type { RemoteEvent, RemoteHandler } from "@eventloom/client";
import { expect, it } from "vitest";
import { type NatsConnection, RequestError, TimeoutError } from "@nats-io/transport-node";
import { natsClient } from "../src/index.js";
import { spawnReady } from "./support/child.js";
import { effectsLog, readEffects } from "./support/effects.js";
import { NATS_URL, POSTGRES_URL, useServices } from "./support/services.js";

const svc = useServices();

const RUNS = 50;
const CONCURRENCY = 30; // two workers of 30 share 50 runs: each holds some
const ACK_WAIT_MS = 2_000;
const CLAIM_MS = 5_000;

function startWorker(): Promise<ChildProcessWithoutNullStreams> {
  return spawnReady(svc, "worker-process.ts", {
    EL_NATS: NATS_URL,
    EL_PG: POSTGRES_URL,
    EL_SCHEMA: svc.schema,
    EL_FX_SCHEMA: `${svc.schema}_fx`,
    EL_PREFIX: svc.prefix,
    EL_CONCURRENCY: String(CONCURRENCY),
    EL_ACK_WAIT_MS: String(ACK_WAIT_MS),
    EL_CLAIM_MS: String(CLAIM_MS),
  });
}

it(
  `${RUNS} runs on two worker processes, one killed with SIGKILL mid-run: each completes once, no journaled step runs again, streams whole and in order`,
  { timeout: 120_000 },
  async () => {
    const admin = svc.pool();
    const fx = await effectsLog(svc, admin);
    const [a, b] = await Promise.all([startWorker(), startWorker()]);
    const nc = await svc.connect();
    const client = natsClient(nc, { prefix: svc.prefix, timeoutMs: 60_000 });

    const runs = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => client.run("OrderWorkflow", { orderId: `o-${i}` })),
    );
    // Each run's stream, read to its end; `asked` resolves at the run's first AskApproval.
    const reading = runs.map((run) => readStream(run));
    await Promise.all(reading.map((r) => r.asked));
    if (process.env["EL_DEBUG"]) console.error("all asked");

    // Every run is live and waiting, on one worker or the other.
    const holders = await admin.query<{ pid: number; runs: string }>(
      `SELECT pid, count(DISTINCT run_id) AS runs FROM "${fx}".effects WHERE step = 'approve' GROUP BY pid`,
    );
    const held = new Map(holders.rows.map((r) => [r.pid, Number(r.runs)]));
    expect(held.get(a.pid!)! + held.get(b.pid!)!).toBe(RUNS);
    expect(held.get(a.pid!)).toBeGreaterThan(0);
    expect(held.get(b.pid!)).toBeGreaterThan(0);

    // Half of each worker's runs are answered (journaled), then A dies at once: some of its
    // runs are in their last step, the others still wait.
    const owners = await admin.query<{ run_id: string; pid: number }>(
      `SELECT run_id, pid FROM "${fx}".effects WHERE step = 'approve'`,
    );
    const ownerOf = new Map(owners.rows.map((r) => [r.run_id, r.pid]));
    const first: RemoteHandler[] = [];
    const later: RemoteHandler[] = [];
    for (const pid of [a.pid, b.pid]) {
      const mine = runs.filter((run) => ownerOf.get(run.runId) === pid);
      first.push(...mine.slice(0, Math.floor(mine.length / 2)));
      later.push(...mine.slice(Math.floor(mine.length / 2)));
    }
    await Promise.all(first.map((run) => run.sendEvent({ type: "Approval", data: { ok: true } })));
    if (process.env["EL_DEBUG"]) console.error("half answered", held);
    a.kill("SIGKILL");
    const killedAt = performance.now();
    await once(a, "exit");
    // The broker drops A's subscriptions once it has read A's closed socket; a request that
    // reaches A before that is lost and fails UNAVAILABLE after 10 s ("may or may not have been
    // journaled": a known limit, see the package README). Wait until a run's event subject
    // no longer routes to A: a request there is refused (BAD_REQUEST, journals nothing) or has
    // no responders.
    await brokerForgot(
      nc,
      `${svc.prefix}.in.${later.find((run) => ownerOf.get(run.runId) === a.pid)!.runId}`,
    );
    // The other half is answered wherever the runs are now (A's resume on B once A's
    // requests are redelivered and its claims expire).
    await Promise.all(later.map((run) => run.sendEvent({ type: "Approval", data: { ok: true } })));
    if (process.env["EL_DEBUG"]) console.error("all answered");
    const results = await Promise.all(runs.map((run) => run.result()));
    const takeoverMs = performance.now() - killedAt;
    expect(results).toEqual(runs.map((_, i) => `o-${i} shipped`));

    // Every stream whole and in order: seq 0, 1, 2, … with one stop event, at the end.
    const streams = await Promise.all(reading.map((r) => r.events));
    for (const [i, events] of streams.entries()) {
      expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k));
      expect(events[0]).toEqual({
        seq: 0,
        type: "Progress",
        data: { orderId: `o-${i}`, stage: "reserved" },
      });
      expect(events.filter((e) => e.type === "StopEvent")).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({
        type: "StopEvent",
        data: { result: `o-${i} shipped` },
      });
      expect(events.at(-2)).toMatchObject({ type: "Progress", data: { stage: "shipped" } });
    }
    // Each run completed exactly once: one completed run in the journal per request.
    const journal = svc.journal();
    const listed = await journal.listRuns({ workflow: "OrderWorkflow" });
    expect(listed).toHaveLength(RUNS);
    expect(listed.every((r) => r.status === "completed")).toBe(true);

    // Side effects per invocation: an invocation ran more than once only where the killed
    // worker had it in flight (its outcome not journaled); then every execution but the last
    // was A's, and the run moved to B.
    const { rows, executions } = await readEffects(admin, fx);
    let rerun = 0;
    for (const [key, pids] of executions) {
      if (pids.length === 1) continue;
      rerun++;
      expect(
        pids.slice(0, -1).every((pid) => pid === a.pid),
        key,
      ).toBe(true);
      expect(pids.at(-1), key).toBe(b.pid);
      expect(pids.length, key).toBe(2);
    }
    const perRun = (step: string) =>
      new Set(rows.filter((r) => r.step === step).map((r) => `${r.run_id} ${r.invocation_id}`))
        .size;
    // reserve was journaled for every run before the kill: it never ran again.
    expect(rows.filter((r) => r.step === "reserve")).toHaveLength(RUNS);
    expect(perRun("approve")).toBe(RUNS);
    expect(perRun("ship")).toBe(RUNS);
    const moved =
      new Set(rows.filter((r) => r.pid === b.pid).map((r) => r.run_id)).size -
      (held.get(b.pid!) ?? 0);
    expect(rerun).toBeGreaterThan(0);
    expect(moved).toBeGreaterThan(0);
    console.log(
      `${RUNS} runs: A held ${held.get(a.pid!)}, B held ${held.get(b.pid!)}; A killed; ${moved} runs resumed on B, ${rerun} invocations in flight on A re-ran there (same invocationId), reserve (journaled on every run before the kill) ran once per run; all done ${Math.round(takeoverMs)} ms after the kill`,
    );

    b.kill("SIGTERM");
    const [code] = await once(b, "exit");
    expect(code).toBe(0);
  },
);

function readStream(run: RemoteHandler): { asked: Promise<void>; events: Promise<RemoteEvent[]> } {
  let onAsked!: () => void;
  const asked = new Promise<void>((r) => (onAsked = r));
  const events = (async () => {
    const seen: RemoteEvent[] = [];
    for await (const ev of run.streamEvents()) {
      seen.push(ev);
      if (ev.type === "AskApproval") onAsked();
    }
    return seen;
  })();
  return { asked, events };
}

/** Resolves once a request on `subject` is answered or has no responders (not lost to a dead worker). */
async function brokerForgot(nc: NatsConnection, subject: string): Promise<void> {
  for (;;) {
    try {
      await nc.request(subject, new TextEncoder().encode("{}"), { timeout: 250 });
      return;
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders()) return;
      if (!(error instanceof TimeoutError)) throw error;
    }
  }
}
