// Two processes on one journal: only one drives a run; a dead owner's runs are taken over.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { SERVER_URL, usePostgres } from "./support/postgres.js";

const db = usePostgres();
const here = fileURLToPath(new URL(".", import.meta.url));
const tsx = pathToFileURL(resolve(here, "../../../node_modules/tsx/dist/loader.mjs")).href;

function claimer(schema: string, ...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    [
      "--conditions=@eventloom/source",
      "--import",
      tsx,
      resolve(here, "support/claimer.ts"),
      ...args,
    ],
    { env: { ...process.env, EL_URL: SERVER_URL, EL_SCHEMA: schema }, stdio: "pipe" },
  );
}

/** The child's stdout, line by line. */
function linesOf(child: ChildProcessWithoutNullStreams): AsyncIterator<string> {
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next() {
      const line = await lines.next();
      if (line.done === true) throw new Error(`claimer exited early: ${stderr}`);
      return line;
    },
  };
}

describe("claims across processes", () => {
  it("gives each run to exactly one of two processes claiming it at the same moment", async () => {
    const schema = db.schema();
    const RUNS = 40;
    const children = [claimer(schema, "race", String(RUNS)), claimer(schema, "race", String(RUNS))];
    try {
      const lines = children.map(linesOf);
      for (const l of lines) expect((await l.next()).value).toBe("ready");
      for (const c of children) c.stdin.write("go\n");
      const won = await Promise.all(
        lines.map(async (l) => JSON.parse((await l.next()).value as string) as string[]),
      );
      const all = [...won[0]!, ...won[1]!].sort();
      expect(all).toEqual(Array.from({ length: RUNS }, (_, i) => `run-${i}`).sort());
      expect(new Set(all).size).toBe(RUNS); // nobody won a run twice
    } finally {
      for (const c of children) c.kill("SIGKILL");
    }
  });

  it("never robs a live owner that renews, and hands its run to another once it is killed", async () => {
    const schema = db.schema();
    const lease = 800;
    const journal = db.journal({ schema });
    const holder = claimer(schema, "hold", String(lease));
    try {
      const lines = linesOf(holder);
      expect((await lines.next()).value).toBe("held");
      expect(await journal.claim("held", "successor", lease)).toBe(false);
      // Eight renewals span two leases: after each, the other owner still cannot take the run.
      for (let i = 0; i < 8; i++) {
        expect((await lines.next()).value).toBe("renewed");
        expect(await journal.claim("held", "successor", lease)).toBe(false);
      }
      holder.kill("SIGKILL");
      await once(holder, "exit");
      const killed = Date.now();
      await expect
        .poll(() => journal.claim("held", "successor", lease), { timeout: 10_000, interval: 50 })
        .toBe(true);
      // Free within one lease of the holder's death (its last renewal was before it).
      expect(Date.now() - killed).toBeLessThan(lease + 1_000);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
