import { resolve } from "node:path";
import { parseArgs } from "node:util";

/** How the app runs: read from the command line and the environment. */
export interface AppConfig {
  /** Seed of the simulated market: the same seed makes the same decisions. */
  readonly seed: number;
  /** The article's sleeps are divided by this. */
  readonly speedUp: number;
  /** The stock to watch. */
  readonly stock: string;
  /** Buy/sell cycles of the looping monitor. */
  readonly cycles: number;
  /** Where OTLP/HTTP traces go. */
  readonly tracesUrl: string;
  /** Where the local trace files (and drawings) go; absolute. */
  readonly outDir: string;
  /** The Jaeger UI, for the links printed at the end. */
  readonly jaegerUiUrl: string;
  /** Each top-level run's timeout, ms. */
  readonly timeoutMs: number;
  /** The SQLite journal every run is written to (absolute), or `null` for none. */
  readonly journalPath: string | null;
  /** `--approve ID` / `--reject ID`: answer a journaled OrderApproval run, and do nothing else. */
  readonly answer: { readonly runId: string; readonly approved: boolean } | undefined;
  /** `--crash-after N`: kill this process with SIGKILL after N progress lines (a demo of kill -9). */
  readonly crashAfter: number | undefined;
  /** `--resume`: recover the unfinished runs of the journal (after --crash-after), and nothing else. */
  readonly resume: boolean;
  /** The journal's claim lease in ms (tests shorten it); undefined: core's default (10 s). */
  readonly claimMs: number | undefined;
}

/** The OTLP/HTTP default: a collector (or Jaeger) on this machine. */
export const DEFAULT_OTLP_ENDPOINT = "http://localhost:4318";

/**
 * The traces URL the way the OpenTelemetry spec resolves it:
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`,
 * else the default endpoint + `/v1/traces`.
 */
export function resolveTracesUrl(env: NodeJS.ProcessEnv): string {
  const specific = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]?.trim();
  if (specific) return specific;
  const base = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim() || DEFAULT_OTLP_ENDPOINT;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

const USAGE = `Usage: trade-monitor [--seed N] [--stock CODE] [--cycles N] [--fast] [--out DIR] [--timeout MS]
                     [--journal FILE | --no-journal] [--crash-after N]
       trade-monitor --approve RUN_ID | --reject RUN_ID
       trade-monitor --resume

Every run is journaled to SQLite (default <out>/trade-monitor.db): the last one waits for the
trader's approval across restarts; --approve / --reject answers it from a new process.
--crash-after N kills the process (SIGKILL) after N progress lines; --resume then recovers the
unfinished runs from the journal and finishes them.

Environment: OTEL_EXPORTER_OTLP_ENDPOINT (default ${DEFAULT_OTLP_ENDPOINT}), TRADE_MONITOR_SEED,
TRADE_MONITOR_FAST=1 (simulated waits 200x shorter), TRADE_MONITOR_OUT_DIR (default .out),
TRADE_MONITOR_TIMEOUT_MS (each run's timeout, default 60000), TRADE_MONITOR_JOURNAL (a file, or
"off"), JAEGER_UI_URL (default http://localhost:16686).`;

/** The default journal file, in the output folder. */
export const JOURNAL_FILE = "trade-monitor.db";

/** A bad command line or environment; the message says what to change. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function integer(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}; got "${text}"\n\n${USAGE}`);
  }
  return value;
}

/** Reads the app's configuration; throws {@link ConfigError} with the usage on bad input. */
export function readConfig(argv: readonly string[], env: NodeJS.ProcessEnv): AppConfig {
  let values;
  try {
    ({ values } = parseArgs({
      // `pnpm demo -- --seed 3` hands the script a literal "--" first: skip it.
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      options: {
        seed: { type: "string" },
        stock: { type: "string" },
        cycles: { type: "string" },
        fast: { type: "boolean" },
        out: { type: "string" },
        timeout: { type: "string" },
        journal: { type: "string" },
        "no-journal": { type: "boolean" },
        approve: { type: "string" },
        reject: { type: "string" },
        "crash-after": { type: "string" },
        resume: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const fast = values.fast === true || env["TRADE_MONITOR_FAST"] === "1";
  const outDir = resolve(values.out ?? env["TRADE_MONITOR_OUT_DIR"] ?? ".out");
  if (values.journal !== undefined && values["no-journal"] === true) {
    throw new ConfigError(`--journal and --no-journal contradict each other: give one\n\n${USAGE}`);
  }
  if (values.approve !== undefined && values.reject !== undefined) {
    throw new ConfigError(`--approve and --reject contradict each other: give one\n\n${USAGE}`);
  }
  const journalSetting =
    values["no-journal"] === true ? "off" : (values.journal ?? env["TRADE_MONITOR_JOURNAL"]);
  const journalPath =
    journalSetting === "off"
      ? null
      : resolve(journalSetting?.trim() ? journalSetting : resolve(outDir, JOURNAL_FILE));
  const answerId = values.approve ?? values.reject;
  if (answerId !== undefined && journalPath === null) {
    throw new ConfigError(
      `--${values.approve !== undefined ? "approve" : "reject"} answers a journaled run: it needs the journal (drop --no-journal / TRADE_MONITOR_JOURNAL=off)\n\n${USAGE}`,
    );
  }
  const resume = values.resume === true;
  if ((resume || values["crash-after"] !== undefined) && journalPath === null) {
    throw new ConfigError(
      `--${resume ? "resume" : "crash-after"} needs the journal (drop --no-journal / TRADE_MONITOR_JOURNAL=off)\n\n${USAGE}`,
    );
  }
  if (resume && answerId !== undefined) {
    throw new ConfigError(
      `--resume and --${values.approve !== undefined ? "approve" : "reject"} are two different things: give one\n\n${USAGE}`,
    );
  }
  const claim = env["TRADE_MONITOR_CLAIM_MS"];
  return {
    seed: integer(
      "--seed",
      values.seed ?? env["TRADE_MONITOR_SEED"],
      Math.floor(Math.random() * 1_000_000),
      0,
    ),
    speedUp: fast ? 200 : 10,
    stock: values.stock ?? env["TRADE_MONITOR_STOCK"] ?? "NVDA",
    cycles: integer("--cycles", values.cycles ?? env["TRADE_MONITOR_CYCLES"], 2, 0),
    tracesUrl: resolveTracesUrl(env),
    outDir,
    jaegerUiUrl: (env["JAEGER_UI_URL"] ?? "http://localhost:16686").replace(/\/+$/, ""),
    timeoutMs: integer("--timeout", values.timeout ?? env["TRADE_MONITOR_TIMEOUT_MS"], 60_000, 1),
    journalPath,
    answer:
      answerId === undefined
        ? undefined
        : { runId: answerId, approved: values.approve !== undefined },
    crashAfter:
      values["crash-after"] === undefined
        ? undefined
        : integer("--crash-after", values["crash-after"], 1, 1),
    resume,
    claimMs: claim === undefined ? undefined : integer("TRADE_MONITOR_CLAIM_MS", claim, 10_000, 1),
  };
}
