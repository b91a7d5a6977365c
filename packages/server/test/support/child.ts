// Starts a test script as a real Node process (TypeScript through tsx) and reads its lines.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const packageRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  /** Resolves with the first line that `match` accepts; rejects if the process ends first. */
  line(match: (line: string) => boolean): Promise<string>;
  readonly exited: Promise<number | NodeJS.Signals>;
}

export function startChild(script: URL, ...args: string[]): Child {
  const child = spawn(
    process.execPath,
    ["--conditions=@eventloom/source", "--import", "tsx", fileURLToPath(script), ...args],
    { cwd: packageRoot, stdio: ["pipe", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) {
      if (w.match(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.on("close", (code, signal) => resolve(signal ?? code ?? 0)),
  );
  return {
    process: child,
    exited,
    line(match) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<string>((resolve) => waiters.push({ match, resolve })),
        exited.then((end) => {
          const late = lines.find(match);
          if (late !== undefined) return late;
          throw new Error(`${script.pathname} ended (${String(end)}) first; stderr:\n${stderr}`);
        }),
      ]);
    },
  };
}
