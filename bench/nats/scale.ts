/**
 * NATS scaling: the same runs of a CPU-bound workflow (BurnWorkflow: steps of about 2 ms of
 * hashing each, in JavaScript) on one worker process, then on two, on this machine. The row is the throughput
 * of two over that of one (target >= 1.6 on 2 cores). Worker processes spawned here (one on a
 * prefix of its own, two on another, all alive for the whole measurement, so the runs of one
 * configuration go only to its workers); measurements interleaved; streams deleted after.
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

/** The scaling row: throughput on two worker processes over one, paired per repetition. */
export async function natsScaleRow(
  s: Sizes,
  log: (line: string) => void,
  nc: NatsConnection,
  url: string,
  prefix: string,
): Promise<Row> {
  const runs = Math.max(4, Math.round(s.natsMessages * 0.16));
  const iterations = calibrate(STEP_MS);
  const prefixes = { one: `${prefix}_w1`, two: `${prefix}_w2` };
  const workers: ChildProcess[] = [];
  try {
    workers.push(
      ...(await Promise.all([
        startWorker(url, prefixes.one, iterations),
        startWorker(url, prefixes.two, iterations),
        startWorker(url, prefixes.two, iterations),
      ])),
    );
    const one = natsClient(nc, { prefix: prefixes.one, maxBytes: MAX_BYTES });
    const two = natsClient(nc, { prefix: prefixes.two, maxBytes: MAX_BYTES });
    for (let w = 0; w < s.serviceWarmups; w++) {
      await timeRuns(one, runs);
      await timeRuns(two, runs);
    }
    const ratios: number[] = [];
    const ms1: number[] = [];
    const ms2: number[] = [];
    for (let r = 0; r < s.serviceReps; r++) {
      // Alternate which configuration goes first.
      const [t1, t2] =
        r % 2 === 0
          ? [await timeRuns(one, runs), await timeRuns(two, runs)]
          : (([b, a]) => [a, b])([await timeRuns(two, runs), await timeRuns(one, runs)]);
      ms1.push(t1!);
      ms2.push(t2!);
      ratios.push(t1! / t2!);
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
      note: `median ${median(ms1).toFixed(0)} ms on 1 worker process, ${median(ms2).toFixed(0)} ms on 2 (target >= 1.6x on 2 cores)`,
    };
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        if (w.exitCode !== null || w.signalCode !== null) return;
        const exited = once(w, "exit");
        w.kill("SIGTERM");
        await exited;
      }),
    );
    for (const p of Object.values(prefixes))
      await removeNatsStreams(nc, { prefix: p }).catch(() => []);
  }
}
