// Starts journal-child.ts as a real process and reads its lines.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const script = fileURLToPath(new URL("./journal-child.ts", import.meta.url));

/** A running journal-child process. */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  readonly lines: readonly string[];
  /** Resolves with the first line (seen or to come) that `match` accepts; rejects if the child exits first. */
  line(match: (line: string) => boolean): Promise<string>;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Writes a line to its stdin. */
  send(line: string): void;
}

/** Starts `journal-child.ts <mode> <args…>` in its own process. */
export function startChild(mode: string, ...args: string[]): Child {
  const child = spawn(
    process.execPath,
    ["--conditions=@eventloom/source", "--import", "tsx", script, mode, ...args],
    { cwd: packageRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    for (const waiter of waiters.splice(0)) {
      if (waiter.match(line)) waiter.resolve(line);
      else waiters.push(waiter);
    }
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on("close", (code, signal) => resolve(signal ?? code ?? 0)),
  );
  return {
    process: child,
    lines,
    exited,
    line(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ match, resolve })),
        exited.then((end) => {
          // The last lines may still be in the pipe when the exit is reported.
          const late = lines.find(match);
          if (late !== undefined) return late;
          throw new Error(`journal-child ${mode} ended (${String(end)}) first; stderr:\n${stderr}`);
        }),
      ]);
    },
    send(line) {
      child.stdin.write(`${line}\n`);
    },
  };
}
