// Takeover with real processes: two worker processes share one PostgreSQL journal and drive 300
// runs between them, over 10 rounds (two fresh workers on a schema of their own each round).
// In every round one worker, picked by a seed, is killed with SIGKILL at a seeded point of its
// progress (a count of the step executions it has begun, never a time); the survivor is told,
// calls recover() until it drives every orphaned run, and reports each run's result and whole
// stream. Checked: every run completed once with the right result, no step execution whose
// outcome was journaled at the kill ran again (side-effect logs against the journal), every
// invocation in flight at the kill did run again, and streamEvents({ from: 0 }) is whole.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { EventJSON, Journal, RunSnapshot } from "@eventloom/core";
import { afterAll, afterEach, expect, it } from "vitest";
import { SERVER_URL, usePostgres } from "./support/postgres.js";
import { bundleTakeoverWorker } from "./support/takeover-bundle.js";
import {
  type EffectLine,
  type FinalFile,
  type WorkerOptions,
  runIdOf,
} from "./support/takeover-protocol.js";
import { executionsOf, expectedResult, expectedStream } from "./support/takeover-workflow.js";

const ROUNDS = 10;
const RUNS_PER_ROUND = 30;
/** postgresJournal's claimMs in the workers: a dead worker's runs are free this long after. */
const CLAIM_MS = 400;
const SEED = Number(process.env["TAKEOVER_SEED"] ?? 20_261_203);

const db = usePostgres();
const dir = mkdtempSync(join(tmpdir(), "el-takeover-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const live: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of live.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** mulberry32: a small seeded PRNG, so the kill points are the same for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Where the kill strikes: once the victim has begun `executions` step executions, at once
 * ("e") or when its next journal append has resolved ("c").
 */
interface KillPoint {
  readonly victim: 0 | 1;
  readonly executions: number;
  readonly at: "e" | "c";
}

/** A worker process and what it printed. */
interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  stderr: string;
  /** Step executions begun, as printed. */
  executions: number;
  /** Resolves with the first line equal to `line` (rejects if the worker exits before). */
  line(line: string): Promise<void>;
  readonly closed: Promise<number | NodeJS.Signals>;
}

function startWorker(script: string, options: WorkerOptions): Worker {
  const child = spawn(process.execPath, [script, JSON.stringify(options)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  live.push(child);
  const waiters = new Map<string, () => void>();
  const closed = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on("close", (code, signal) => resolve(signal ?? code ?? 0)),
  );
  const worker: Worker = {
    child,
    lines: [],
    stderr: "",
    executions: 0,
    line: (line) =>
      worker.lines.includes(line)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.set(line, resolve)),
            closed.then((how) => {
              throw new Error(
                `worker ${options.worker} ended (${how}) before "${line}": ${worker.stderr}`,
              );
            }),
          ]),
    closed,
  };
  child.stderr.on("data", (chunk: Buffer) => (worker.stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line === "e") worker.executions++;
    else if (!line.startsWith("c ")) worker.lines.push(line);
    waiters.get(line)?.();
  });
  return worker;
}

/** A run's journaled state when its worker was killed: its newest checkpoint. */
interface RunAtKill {
  readonly snapshot: RunSnapshot;
  /** In-flight invocations (running): id -> attempt. */
  readonly inFlight: Map<string, number>;
  /** Invocations waiting out a retry: id -> the attempt due. */
  readonly retrying: Map<string, number>;
}

/**
 * Every run's entries. This peeks into core's record format (each checkpoint entry holds the
 * run's snapshot and the stream events it released), which is what tells a re-run of an
 * invocation whose outcome was journaled (a bug) from one of an invocation in flight at the
 * kill (at-least-once).
 */
async function journaled(
  journal: Journal,
): Promise<Map<string, { snapshot: RunSnapshot; streamed: EventJSON[] }[]>> {
  const runs = new Map<string, { snapshot: RunSnapshot; streamed: EventJSON[] }[]>();
  for (const { runId } of await journal.listRuns()) {
    const entries = await journal.read(runId);
    runs.set(
      runId,
      entries.map((e) => e.record as { snapshot: RunSnapshot; streamed: EventJSON[] }),
    );
  }
  return runs;
}

async function stateAtKill(journal: Journal): Promise<Map<string, RunAtKill>> {
  const state = new Map<string, RunAtKill>();
  const id = (i: { step: string; invocation: number }) => `${i.step}#${i.invocation}`;
  for (const [runId, records] of await journaled(journal)) {
    const snapshot = records.at(-1)!.snapshot;
    state.set(runId, {
      snapshot,
      inFlight: new Map(snapshot.inFlight.map((i) => [id(i), i.attempt])),
      retrying: new Map(snapshot.retrying.map((i) => [id(i), i.attempt])),
    });
  }
  return state;
}

/** Whether attempt `attempt` of invocation `invocationId` had its outcome journaled. */
function outcomeJournaled(
  run: RunAtKill | undefined,
  invocationId: string,
  attempt: number,
): boolean {
  if (run === undefined) return false; // not even the run's header was durable
  if (run.snapshot.status !== "running") return true;
  const number = Number(invocationId.slice(invocationId.lastIndexOf("#") + 1));
  if (number > run.snapshot.invocations) return false; // begun, never journaled as begun
  if (run.inFlight.get(invocationId) === attempt) return false;
  const due = run.retrying.get(invocationId);
  if (due !== undefined && due <= attempt) return false;
  return true;
}

function effectsOf(path: string): EffectLine[] {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return []; // a worker killed before its first step execution
  }
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as EffectLine);
}

it(
  `${ROUNDS * RUNS_PER_ROUND} runs over two worker processes, one SIGKILLed per round (${ROUNDS} seeded kill points): the survivor's recover() finishes every orphaned run, no journaled step re-runs, no event is lost`,
  { timeout: 150_000 },
  async () => {
    const began = performance.now();
    const random = prng(SEED);
    const script = await bundleTakeoverWorker(dir);
    const figures = {
      runs: 0,
      kills: 0,
      executions: 0,
      reRuns: 0,
      inFlightAtKills: 0,
      recovered: 0,
      adopted: 0,
      ownedRetries: 0,
      recoverCalls: 0,
      settledAppends: 0,
      points: [] as string[],
    };

    for (let round = 0; round < ROUNDS; round++) {
      const schema = db.schema();
      const all = Array.from({ length: RUNS_PER_ROUND }, (_, n) => n);
      const halves = [all.filter((n) => n % 2 === 0), all.filter((n) => n % 2 === 1)] as const;
      const victim = random() < 0.5 ? 0 : 1;
      const victimExecutions = halves[victim].reduce((sum, n) => sum + executionsOf(n), 0);
      // In the first 70% of the victim's work, so the kill always comes mid-way.
      const point: KillPoint = {
        victim,
        executions: 1 + Math.floor(random() * victimExecutions * 0.7),
        at: random() < 0.5 ? "e" : "c",
      };
      figures.points.push(`${"ab"[victim]}@${point.executions}${point.at}`);
      const paths = (w: string) => ({
        effects: join(dir, `r${round}-${w}.effects`),
        final: join(dir, `r${round}-${w}.final.json`),
      });
      const workers = (["a", "b"] as const).map((w, i) =>
        startWorker(script, {
          url: SERVER_URL,
          schema,
          claimMs: CLAIM_MS,
          worker: w,
          runs: halves[i as 0 | 1],
          all,
          round,
          ...paths(w),
        }),
      );
      const dying = workers[victim]!;
      const survivor = workers[1 - victim]!;
      const survivorName = "ab"[1 - victim]!;

      let armed = false;
      let killed = false;
      createInterface({ input: dying.child.stdout }).on("line", (line) => {
        if (killed) return;
        if (!armed && dying.executions >= point.executions) armed = true;
        if (armed && (point.at === "e" || line.startsWith("c "))) {
          killed = dying.child.kill("SIGKILL");
        }
      });
      await Promise.all(workers.map((w) => w.line("ready")));
      for (const w of workers) w.child.stdin.write("go\n");
      expect(await dying.closed, dying.stderr).toBe("SIGKILL");
      expect(dying.lines, `round ${round}: killed mid-way`).not.toContain("own");
      figures.kills++;

      const journal = db.journal({ schema });
      const atKill = await stateAtKill(journal);
      survivor.child.stdin.write("recover\n");
      expect(await survivor.closed, survivor.stderr).toBe(0);
      expect(survivor.lines.at(-1)).toBe("finished");

      // 1. Every run completed, once, with the right result.
      const final = JSON.parse(readFileSync(paths(survivorName).final, "utf8")) as FinalFile;
      figures.recovered += final.recovered;
      figures.adopted += final.adopted;
      figures.ownedRetries += final.ownedRetries;
      figures.recoverCalls += final.recoverCalls;
      expect(final.runs.map((r) => r.runId)).toEqual(all.map((n) => runIdOf(round, n)));
      for (const [n, run] of final.runs.entries()) expect(run.result).toEqual(expectedResult(n));
      const listed = await journal.listRuns();
      expect(listed).toHaveLength(RUNS_PER_ROUND);
      expect(listed.filter((r) => r.status !== "completed")).toEqual([]);
      const records = await journaled(journal);
      for (const [n, run] of final.runs.entries()) {
        const entries = records.get(run.runId)!;
        // Completed once: nothing after the first completed checkpoint but, for a run that
        //    ended in the victim, the empty one the survivor's resume() of it appended before
        //    core's fix (core-bug-resume-settled-appends.test.ts); "settledAppends" counts them.
        const end = entries.findIndex((e) => e.snapshot.status === "completed");
        expect(end, `${run.runId}: completed`).toBeGreaterThan(0);
        const after = entries.slice(end + 1);
        if (after.length > 0) {
          figures.settledAppends += after.length;
          expect(atKill.get(run.runId)?.snapshot.status, run.runId).toBe("completed");
          expect(after.length, run.runId).toBe(1);
          expect(after[0]!.snapshot.status, run.runId).toBe("completed");
          expect(after[0]!.streamed, run.runId).toEqual([]);
        }

        // 2. The whole stream, in order, each event once: what the journal holds, and what
        //    streamEvents({ from: 0 }) gives in the survivor.
        const stream = entries.flatMap((e) =>
          e.streamed.map((ev) =>
            ev.type === "Progress" ? (ev.data as { label: string }).label : ev.type,
          ),
        );
        stream.push("StopEvent");
        const { head, parts, tail } = expectedStream(n);
        const middle = stream.slice(head.length, head.length + parts.length);
        expect(stream, run.runId).toEqual([...head, ...middle, ...tail]);
        expect([...middle].sort(), run.runId).toEqual(parts);
        expect(run.stream, `${run.runId} from 0`).toEqual(stream);
      }

      // 3. Side effects: only an execution of the victim whose outcome was not journaled at the
      //    kill runs again (once, in the survivor, with the same invocationId and attempt).
      // The victim's log first: it died before the survivor took any of its runs over.
      const victimName = "ab"[victim]!;
      const byKey = new Map<string, string[]>();
      for (const w of [victimName, survivorName]) {
        for (const line of effectsOf(paths(w).effects)) {
          const key = `${line.r} ${line.i} ${line.a}`;
          byKey.set(key, [...(byKey.get(key) ?? []), line.w]);
        }
      }
      const wronglyRerun: string[] = [];
      for (const [key, ws] of byKey) {
        if (ws.length === 1) continue;
        figures.reRuns += ws.length - 1;
        const [runId = "", invocationId = "", attempt = ""] = key.split(" ");
        const ok =
          ws.length === 2 &&
          ws[0] === victimName &&
          ws[1] === survivorName &&
          !outcomeJournaled(atKill.get(runId), invocationId, Number(attempt));
        if (!ok) wronglyRerun.push(`${key} by ${ws.join(", ")}`);
      }
      expect(wronglyRerun, `round ${round}: executions run again wrongly`).toEqual([]);
      let executions = 0;
      for (const n of all) executions += executionsOf(n);
      expect(byKey.size, `round ${round}: distinct step executions`).toBe(executions);
      figures.executions += executions;
      // Every invocation the journal held as in flight at the kill ran again in the survivor.
      const notRerun: string[] = [];
      for (const [runId, run] of atKill) {
        if (run.snapshot.status !== "running") continue;
        for (const [invocationId, attempt] of run.inFlight) {
          figures.inFlightAtKills++;
          if (!(byKey.get(`${runId} ${invocationId} ${attempt}`) ?? []).includes(survivorName))
            notRerun.push(`${runId} ${invocationId} attempt ${attempt}`);
        }
      }
      expect(notRerun, `round ${round}: in flight at the kill, never run again`).toEqual([]);
      figures.runs += RUNS_PER_ROUND;
    }

    const seconds = (performance.now() - began) / 1000;
    console.log(
      `takeover test (seed ${SEED}): ${figures.runs} runs over ${ROUNDS} rounds of two workers, ` +
        `${figures.kills} SIGKILLs, ${figures.executions} distinct step executions, ` +
        `${figures.reRuns} re-run after a kill (of ${figures.inFlightAtKills} journaled in flight), ` +
        `${figures.recovered} runs taken over by recover() in ${figures.recoverCalls} calls, ` +
        `${figures.adopted} never-started runs started by the survivor ` +
        `(${figures.ownedRetries} starts refused while the dead peer's claim held, tried again), ` +
        `${figures.settledAppends} checkpoints appended by resume() of an ended run, ${seconds.toFixed(1)} s; ` +
        `kill points (victim@executions, e = as one began, c = at the next durable append): ` +
        figures.points.join(" "),
    );
    expect(figures.runs).toBe(300);
    expect(figures.kills).toBeGreaterThanOrEqual(10);
  },
);
