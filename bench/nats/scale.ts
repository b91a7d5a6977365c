/**
 * NATS scaling: the same runs of a CPU-bound workflow (BurnWorkflow: steps of about 2 ms of
 * hashing each, in JavaScript) on one worker process, then on two, on this machine. The row is
 * the throughput of two over that of one (target >= 1.6 on 2 cores). Worker processes spawned
 * here, fresh for each measurement on a prefix of its own; measurements interleaved; streams
 * deleted after each.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type NatsClient, natsClient, removeNatsStreams } from "@eventloom/nats";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Row, measured, median } from "../report.js";
import type { Sizes } from "../scenarios.js";
import { calibrate } from "./burn.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const STEP_MS = 2;
const STEPS = 20;
/** Live runs per worker process: more than enough to keep one core busy. */
const CONCURRENCY = 20;
const MAX_BYTES = 256 * 1024 * 1024;

function startWorker(url: string, prefix: string, iterations: number): Promise<ChildProcess> {
  // No NODE_OPTIONS: the bench runs under tsx; the worker loads it itself (--import tsx).
  const env: Record<string, string | undefined> = {
    ...process.env,
    EL_NATS: url,
    EL_PREFIX: prefix,
    EL_ITERATIONS: String(iterations),
    EL_CONCURRENCY: String(CONCURRENCY),
  };
  delete env["NODE_OPTIONS"];
  const child = spawn(process.execPath, ["--import", "tsx", join(HERE, "scale-worker.ts")], {
    cwd: HERE,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    process.stderr.write(`[nats scale worker ${child.pid}] ${d.toString()}`);
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line === "ready") resolve(child);
    });
    child.on("exit", (code, signal) =>
      reject(
        new Error(`nats scale worker exited (${code ?? signal}) before it was ready: ${stderr}`),
      ),
    );
  });
}

/** All `runs` at once; resolves with the ms to the last result (the results are checked). */
async function timeRuns(client: NatsClient, runs: number): Promise<number> {
  const t0 = performance.now();
  const all: Promise<number>[] = [];
  for (let i = 0; i < runs; i++) {
    all.push(client.run<number>("BurnWorkflow", { i, steps: STEPS }).then((r) => r.result()));
  }
  const sum = (await Promise.all(all)).reduce((a, b) => a + b, 0);
  const ms = performance.now() - t0;
  const expected = (runs * (runs - 1)) / 2 + runs * STEPS;
  if (sum !== expected) throw new Error(`nats scale: results sum to ${sum}, not ${expected}`);
  return ms;
}

/** Starts `n` fresh worker processes on a prefix of their own, times the runs, stops them. */
async function measure(
  nc: NatsConnection,
  url: string,
  prefix: string,
  n: number,
  runs: number,
  iterations: number,
): Promise<number> {
  const workers: ChildProcess[] = [];
  try {
    const started = await Promise.allSettled(
      Array.from({ length: n }, () => startWorker(url, prefix, iterations)),
    );
    for (const s of started) if (s.status === "fulfilled") workers.push(s.value);
    for (const s of started) if (s.status === "rejected") throw s.reason;
    return await timeRuns(natsClient(nc, { prefix, maxBytes: MAX_BYTES }), runs);
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        if (w.exitCode !== null || w.signalCode !== null) return;
        const exited = once(w, "exit");
        w.kill("SIGTERM");
        await exited;
      }),
    );
    await removeNatsStreams(nc, { prefix }).catch(() => []);
  }
}

/**
 * The scaling row: throughput on two worker processes over one, paired per repetition. Every
 * measurement has fresh worker processes (not timed: from "ready" to the last result), and each
 * process does at most 40 runs: a worker process that has done many more of these runs hashes
 * slower (seen here: the same 2 ms call took up to 8 ms inside steps after about 100 runs on
 * memoryJournal()), which would count against the single worker and inflate the ratio.
 */
export async function natsScaleRow(
  s: Sizes,
  log: (line: string) => void,
  nc: NatsConnection,
  url: string,
  prefix: string,
): Promise<Row> {
  const runs = Math.max(4, Math.round(s.natsMessages * 0.08));
  const iterations = calibrate(STEP_MS);
  const ratios: number[] = [];
  const ms1: number[] = [];
  const ms2: number[] = [];
  for (let r = 0; r < s.serviceReps; r++) {
    const one = () => measure(nc, url, `${prefix}_w1_${r}`, 1, runs, iterations);
    const two = () => measure(nc, url, `${prefix}_w2_${r}`, 2, runs, iterations);
    // Alternate which configuration goes first.
    let t1: number;
    let t2: number;
    if (r % 2 === 0) {
      t1 = await one();
      t2 = await two();
    } else {
      t2 = await two();
      t1 = await one();
    }
    ms1.push(t1);
    ms2.push(t2);
    ratios.push(t1 / t2);
  }
  const cpu = runs * STEPS * STEP_MS;
  log(
    `nats scale: ${runs} runs x ${STEPS} steps (${iterations} FNV-1a passes over 4 KiB per step, ~${STEP_MS} ms): 1 worker ${median(ms1).toFixed(0)} ms, 2 workers ${median(ms2).toFixed(0)} ms (hashing alone: ${cpu} ms)`,
  );
  return {
    scenario: "nats",
    label: `nats scaling (${runs} runs x ${STEPS} CPU-bound steps of ~${STEP_MS} ms: throughput of 2 worker processes / 1)`,
    unit: "2 / 1",
    kind: "ratio",
    values: { eventloom: measured(ratios), llamaindex: "no broker" },
    note: `median ${median(ms1).toFixed(0)} ms on 1 worker process, ${median(ms2).toFixed(0)} ms on 2, fresh processes per measurement (target >= 1.6x on 2 cores)`,
  };
}
