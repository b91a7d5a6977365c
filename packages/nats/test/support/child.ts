// Child processes of the multi-process tests: a support script run under tsx with the package's
// source, its stdout read line by line, killed after the test if it still runs.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Fixture } from "./services.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const tsx = pathToFileURL(resolve(here, "../../node_modules/tsx/dist/loader.mjs")).href;

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
}

/**
 * Starts `support/<script>` with `env` added; `onLine` sees each stdout line. Killed (SIGKILL)
 * after the test if still running. EL_DEBUG=1 echoes its stderr.
 */
export function spawnChild(
  svc: Fixture,
  script: string,
  env: Record<string, string>,
  onLine: (line: string) => void = () => {},
): Child {
  const child = spawn(
    process.execPath,
    ["--conditions=@eventloom/source", "--import", tsx, resolve(here, script)],
    { env: { ...process.env, ...env }, stdio: "pipe" },
  );
  svc.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    if (process.env["EL_DEBUG"]) process.stderr.write(d);
  });
  createInterface({ input: child.stdout }).on("line", onLine);
  return { process: child, pid: child.pid!, stderr: () => stderr };
}

/** Starts `support/<script>` and resolves once it prints "ready". */
export function spawnReady(
  svc: Fixture,
  script: string,
  env: Record<string, string>,
): Promise<ChildProcessWithoutNullStreams> {
  return new Promise((resolveReady, reject) => {
    const child = spawnChild(svc, script, env, (line) => {
      if (line === "ready") resolveReady(child.process);
    });
    child.process.on("exit", (code, signal) =>
      reject(
        new Error(`${script} exited (${code ?? signal}) before it was ready: ${child.stderr()}`),
      ),
    );
  });
}
