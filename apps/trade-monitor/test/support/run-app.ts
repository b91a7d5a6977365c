import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The app's folder: the child runs there, as `pnpm --filter @eventloom/trade-monitor start` does. */
export const APP_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface AppRun {
  readonly code: number | null;
  /** The signal that ended it, if one did (--crash-after: SIGKILL). */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: readonly string[];
  readonly elapsedMs: number;
}

/**
 * Runs the app as its `start` script does, in a child process, with `env` added to this
 * process's environment, and resolves once it has exited.
 */
export function runApp(env: Record<string, string>, args: readonly string[] = []): Promise<AppRun> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--conditions=@eventloom/source", "--import", "tsx", "src/main.ts", ...args],
    {
      cwd: APP_DIR,
      env: { ...process.env, OTEL_LOG_LEVEL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout,
        stderr,
        lines: stdout.split("\n"),
        elapsedMs: performance.now() - started,
      }),
    );
  });
}

/** The number of spans the app says it started (`spans: N started, ...`). */
export function startedSpans(run: AppRun): number {
  const match = /spans: (\d+) started, (\d+) ended/.exec(run.stdout);
  if (match === null) throw new Error(`the app printed no span count:\n${run.stdout}`);
  return Number(match[1]);
}
