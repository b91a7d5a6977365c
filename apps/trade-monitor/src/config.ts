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

Environment: OTEL_EXPORTER_OTLP_ENDPOINT (default ${DEFAULT_OTLP_ENDPOINT}), TRADE_MONITOR_SEED,
TRADE_MONITOR_FAST=1 (simulated waits 200x shorter), TRADE_MONITOR_OUT_DIR (default .out),
TRADE_MONITOR_TIMEOUT_MS (each run's timeout, default 60000), JAEGER_UI_URL (default
http://localhost:16686).`;

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
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const fast = values.fast === true || env["TRADE_MONITOR_FAST"] === "1";
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
    outDir: resolve(values.out ?? env["TRADE_MONITOR_OUT_DIR"] ?? ".out"),
    jaegerUiUrl: (env["JAEGER_UI_URL"] ?? "http://localhost:16686").replace(/\/+$/, ""),
    timeoutMs: integer("--timeout", values.timeout ?? env["TRADE_MONITOR_TIMEOUT_MS"], 60_000, 1),
  };
}
