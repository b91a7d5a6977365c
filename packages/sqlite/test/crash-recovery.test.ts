// Durable runs survive kill -9, with real processes: a child process drives 200 runs of a
// workflow with branches, a fan-out/fan-in, a retry, a human's answer (waitForEvent, answered
// with workflow.sendEvent) and stream and store writes, journaled to a SQLite file. The test
// kills it with SIGKILL at 20 seeded points (chosen by the progress the child reports, never by
// time), starts a new process that recovers and goes on, and in the end checks every result,
// every side effect against what the journal held at each kill, and every run's whole stream.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { EventJSON, RunSnapshot } from "@eventloom/core";
import { afterEach, expect, it } from "vitest";
import { sqliteJournal } from "@eventloom/sqlite";
import {
  type CrashChildOptions,
  type EffectLine,
  type FinalFile,
  runIdOf,
} from "./support/crash-protocol.js";
import {
  answered,
  executionsOf,
  expectedResult,
  expectedStream,
} from "./support/crash-workflow.js";
import { bundleCrashChild } from "./support/crash-bundle.js";
import { useTempJournals } from "./support/temp.js";

const RUNS = 200;
const KILLS = 20;
/** The lease sqliteJournal takes per claim: a dead owner's runs are free this long after it died. */
const CLAIM_MS = 300;
const SEED = Number(process.env["CRASH_SEED"] ?? 20_261_203);

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

const temp = useTempJournals();
let live: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  if (live !== undefined && live.exitCode === null && live.signalCode === null)
    live.kill("SIGKILL");
  live = undefined;
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
 * Where a kill strikes: once the journal holds `entries` entries written by the children (the
 * total they report as durable), after `executions` more step executions have begun.
 */
interface KillPoint {
  readonly entries: number;
  readonly executions: number;
}

/** `count` kill points at distinct entry counts in [1, maxEntries], ascending. */
function killPoints(random: () => number, count: number, maxEntries: number): KillPoint[] {
  const entries = new Set<number>();
  while (entries.size < count) entries.add(1 + Math.floor(random() * maxEntries));
  return [...entries]
    .sort((a, b) => a - b)
    .map((e) => ({ entries: e, executions: Math.floor(random() * 40) }));
}

/** A run's journaled state when its process was killed: what the newest checkpoint held. */
interface RunAtKill {
  readonly snapshot: RunSnapshot;
  /** In-flight invocations (running or waiting): id -> attempt. */
  readonly inFlight: Map<string, number>;
  /** Invocations waiting out a retry: id -> the attempt due. */
  readonly retrying: Map<string, number>;
}

/**
 * Reads every run's newest checkpoint. This peeks into core's record format (a checkpoint
 * entry holds the run's snapshot), which is what tells a re-run of an invocation whose outcome
 * was journaled (a bug) from one of an invocation in flight at the kill (at-least-once).
 */
async function journalAtKill(path: string): Promise<Map<string, RunAtKill>> {
  const journal = sqliteJournal({ path });
  try {
    const state = new Map<string, RunAtKill>();
    for (const { runId } of await journal.listRuns()) {
      const entries = await journal.read(runId);
      const snapshot = (entries.at(-1)!.record as { snapshot: RunSnapshot }).snapshot;
      const id = (i: { step: string; invocation: number }) => `${i.step}#${i.invocation}`;
      state.set(runId, {
        snapshot,
        inFlight: new Map(snapshot.inFlight.map((i) => [id(i), i.attempt])),
        retrying: new Map(snapshot.retrying.map((i) => [id(i), i.attempt])),
      });
    }
    return state;
  } finally {
    await journal.close();
  }
}

/**
 * Each run's stream as its checkpoints released it, as labels (see labelOf), and its terminal
 * event (the journal keeps the result; a completed run's stream ends with its StopEvent).
 */
async function journaledStreams(path: string): Promise<Map<string, string[]>> {
  const journal = sqliteJournal({ path });
  try {
    const streams = new Map<string, string[]>();
    for (const { runId } of await journal.listRuns()) {
      const entries = await journal.read(runId);
      const labels = entries.flatMap((entry) =>
        (entry.record as { streamed: EventJSON[] }).streamed.map((e) =>
          e.type === "Progress" ? (e.data as { label: string }).label : e.type,
        ),
      );
      const last = (entries.at(-1)?.record as { snapshot: RunSnapshot } | undefined)?.snapshot;
      if (last?.status === "completed") labels.push("StopEvent");
      streams.set(runId, labels);
    }
    return streams;
  } finally {
    await journal.close();
  }
}

/** Whether attempt `attempt` of invocation `invocationId` has its outcome in the journal. */
function outcomeJournaled(
  run: RunAtKill | undefined,
  invocationId: string,
  attempt: number,
): boolean {
  if (run === undefined) return false; // not even the run's header was durable
  if (run.snapshot.status !== "running") return true;
  const number = Number(invocationId.slice(invocationId.lastIndexOf("#") + 1));
  if (number > run.snapshot.invocations) return false; // started, never journaled as started
  if (run.inFlight.get(invocationId) === attempt) return false;
  const due = run.retrying.get(invocationId);
  if (due !== undefined && due <= attempt) return false;
  return true;
}

/** One child process, from its start until it has exited. */
interface Generation {
  readonly killed: boolean;
  readonly exit: number | NodeJS.Signals;
  readonly stderr: string;
  readonly lines: string[];
  readonly killedAt: number;
  /** Journal entries this process made durable. */
  readonly committed: number;
}

function runGeneration(
  script: string,
  options: CrashChildOptions,
  committedBefore: number,
  killAt: KillPoint | undefined,
): Promise<Generation> {
  const child = spawn(process.execPath, [script, JSON.stringify(options)], {
    cwd: packageRoot,
    stdio: ["pipe", "pipe", "pipe"],
  });
  live = child;
  const lines: string[] = [];
  let stderr = "";
  let killed = false;
  let killedAt = 0;
  let committed = 0;
  let armed = false;
  let countdown = killAt?.executions ?? 0;
  const kill = () => {
    killed = child.kill("SIGKILL");
    killedAt = Date.now();
  };
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (line.startsWith("c ")) committed += Number(line.slice(2));
    else if (line !== "e") lines.push(line);
    if (killed || killAt === undefined) return;
    if (!armed && line.startsWith("c ") && committedBefore + committed >= killAt.entries) {
      armed = true;
      if (countdown === 0) kill();
    } else if (armed && line === "e" && --countdown <= 0) kill();
  });
  return new Promise((resolve) =>
    child.on("close", (code, signal) =>
      resolve({ killed, exit: signal ?? code ?? 0, stderr, lines, killedAt, committed }),
    ),
  );
}

it(
  `recovers ${RUNS} runs from ${KILLS} SIGKILLs: right results, no journaled step re-run, every stream whole`,
  { timeout: 110_000 },
  async () => {
    const began = performance.now();
    const dir = temp.dir();
    const paths = {
      journal: join(dir, "runs.db"),
      effects: join(dir, "effects.log"),
      final: join(dir, "final.json"),
    };
    let executions = 0;
    for (let n = 0; n < RUNS; n++) executions += executionsOf(n);
    const script = await bundleCrashChild(dir);
    // A run without crashes writes about 9.5 entries per run; the kills strike in the first
    // 75% of that, so every one of them comes before the work is done.
    const points = killPoints(prng(SEED), KILLS, Math.floor(RUNS * 9.5 * 0.75));
    let committed = 0;

    const atKill: Map<string, RunAtKill>[] = [];
    const observed: Map<string, string[]>[] = [];
    let notBefore = 0;
    let generation = 0;
    for (; ; generation++) {
      const killAt = atKill.length < KILLS ? points[atKill.length] : undefined;
      const gen = await runGeneration(
        script,
        { ...paths, generation, runs: RUNS, claimMs: CLAIM_MS, notBefore },
        committed,
        killAt,
      );
      committed += gen.committed;
      // What this process's consumers saw of each run's stream (checked against the end below).
      const seen = new Map<string, string[]>();
      for (const line of gen.lines) {
        if (!line.startsWith("s ")) continue;
        const [, runId = "", index = ""] = line.split(" ", 3);
        const labels = seen.get(runId) ?? [];
        expect(Number(index), `stream index of ${runId} in process ${generation}`).toBe(
          labels.length,
        );
        labels.push(line.slice(`s ${runId} ${index} `.length));
        seen.set(runId, labels);
      }
      observed.push(seen);
      if (!gen.killed) {
        expect(gen.exit, gen.stderr).toBe(0);
        expect(gen.lines.at(-1)).toBe("finished");
        break;
      }
      expect(gen.exit, gen.stderr).toBe("SIGKILL");
      atKill.push(await journalAtKill(paths.journal));
      notBefore = gen.killedAt + CLAIM_MS + 50;
    }
    const seconds = (performance.now() - began) / 1000;
    // 1. Every run completed with the right result.
    const final = JSON.parse(readFileSync(paths.final, "utf8")) as FinalFile;
    expect(atKill).toHaveLength(KILLS);
    expect(final.runs.map((r) => r.runId)).toEqual(
      Array.from({ length: RUNS }, (_, n) => runIdOf(n)),
    );
    for (const [n, run] of final.runs.entries()) expect(run.result).toEqual(expectedResult(n));

    // 2. Each run's whole stream, in order, nothing twice, nothing lost: the journal holds it
    //    (the stream events each checkpoint released, in order); streamEvents({ from: 0 }) after
    //    the last recovery gives exactly that (for a run that ended in an earlier process too:
    //    resumed settled in the last one, see core-bug-replay-settled.test.ts), and every process
    //    saw a prefix of it.
    //    A run killed while it waited for the human, unanswered, re-runs its invocation: its
    //    question is not written again when the journal holds it (counted as "kills while
    //    waiting"; core-bug-wait-asks-again.test.ts), so every stream holds "Ask" once.
    const journaled = await journaledStreams(paths.journal);
    let askedAgain = 0;
    for (const [n, run] of final.runs.entries()) {
      const reAsks = atKill.filter((state) => {
        const snap = state.get(run.runId)?.snapshot;
        return (
          snap?.status === "running" &&
          snap.inFlight.some((i) => i.step === "approve" && (i.answers?.length ?? 0) === 0)
        );
      }).length;
      askedAgain += reAsks;
      const asks = journaled.get(run.runId) ?? [];
      const firstAsk = asks.indexOf("Ask");
      const stream = asks.filter((label, i) => label !== "Ask" || i === firstAsk);
      expect(asks.length - stream.length, `${run.runId}: questions asked again`).toBe(0);
      const { head, parts, tail } = expectedStream(n);
      const middle = stream.slice(head.length, head.length + parts.length);
      expect(stream, run.runId).toEqual([...head, ...middle, ...tail]);
      expect([...middle].sort(), run.runId).toEqual(parts);
      expect(
        run.stream,
        `${run.runId} from 0 (${run.endedHere ? "live" : "resumed settled"})`,
      ).toEqual(asks);
      for (const [g, seen] of observed.entries()) {
        const prefix = seen.get(run.runId) ?? [];
        expect(prefix, `${run.runId} as process ${g} streamed it`).toEqual(
          asks.slice(0, prefix.length),
        );
      }
    }

    // 3. Side effects: an execution runs again only if its outcome was not journaled at the
    //    kill before; every invocation in flight at a kill runs again, with the same id.
    expect(existsSync(paths.effects)).toBe(true);
    const lines = readFileSync(paths.effects, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as EffectLine);
    const runsOf = new Map<string, number[]>();
    const answers = new Map<string, number[]>();
    for (const line of lines) {
      if ("answer" in line) {
        answers.set(line.r, [...(answers.get(line.r) ?? []), line.g]);
        continue;
      }
      const key = `${line.r} ${line.i} ${line.a}`;
      runsOf.set(key, [...(runsOf.get(key) ?? []), line.g]);
    }
    let reRuns = 0;
    const wronglyRerun: string[] = [];
    for (const [key, gens] of runsOf) {
      const [runId = "", invocationId = "", attempt = ""] = key.split(" ");
      for (let k = 1; k < gens.length; k++) {
        reRuns++;
        const before = gens[k]! - 1;
        if (
          gens[k]! <= gens[k - 1]! ||
          outcomeJournaled(atKill[before]?.get(runId), invocationId, Number(attempt))
        )
          wronglyRerun.push(`${key} in processes ${gens.join(", ")}`);
      }
    }
    expect(wronglyRerun, "executions whose outcome was journaled, run again").toEqual([]);
    // Executions cut short by a kill: their outcome was not in the journal when it struck.
    let cutByKills = 0;
    for (const [key, gens] of runsOf) {
      const [runId = "", invocationId = "", attempt = ""] = key.split(" ");
      for (const g of gens) {
        if (
          g < atKill.length &&
          !outcomeJournaled(atKill[g]!.get(runId), invocationId, Number(attempt))
        )
          cutByKills++;
      }
    }
    expect(reRuns).toBeLessThanOrEqual(cutByKills);
    // The invocations the journal held as in flight (running, or waiting for the human) run again,
    // with the same invocationId and attempt.
    let journaledInFlight = 0;
    const notRerun: string[] = [];
    for (const [g, state] of atKill.entries()) {
      for (const [runId, run] of state) {
        if (run.snapshot.status !== "running") continue;
        for (const [invocationId, attempt] of run.inFlight) {
          journaledInFlight++;
          const gens = runsOf.get(`${runId} ${invocationId} ${attempt}`) ?? [];
          if (!gens.some((later) => later > g))
            notRerun.push(`${runId} ${invocationId} attempt ${attempt} (in flight at kill ${g})`);
        }
      }
    }
    expect(notRerun, "invocations in flight at a kill that never ran again").toEqual([]);
    // Every distinct execution ran at least once; without re-runs the count is the crash-free one.
    expect(lines.filter((l) => !("answer" in l)).length - reRuns).toBeGreaterThanOrEqual(
      executions,
    );

    // 4. The human answered each run once, or again only when the journal held no answer.
    let answersResent = 0;
    for (let n = 0; n < RUNS; n++) {
      const runId = runIdOf(n);
      const gens = answers.get(runId) ?? [];
      expect(gens.length, `answers sent to ${runId}`).toBeGreaterThanOrEqual(1);
      for (let k = 1; k < gens.length; k++) {
        answersResent++;
        const run = atKill[gens[k]! - 1]?.get(runId);
        expect(run !== undefined && answered(run.snapshot), `${runId} answered again`).toBe(false);
      }
    }

    console.log(
      `crash test (seed ${SEED}): ${RUNS} runs, ${KILLS} kills over ${generation + 1} processes, ` +
        `${executions} step executions without crashes, ${cutByKills} cut short by the kills ` +
        `(${journaledInFlight} of them journaled in flight), ${reRuns} re-run after a kill with the same ` +
        `invocationId, ${answersResent} answers re-sent, ${askedAgain} kills while waiting (none asked again), ` +
        `${seconds.toFixed(1)} s; kills (journal entries + executions after) ` +
        points.map((p) => `${p.entries}+${p.executions}`).join(" "),
    );
    expect(seconds).toBeLessThan(110);
  },
);
