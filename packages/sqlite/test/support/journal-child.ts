// A separate process for the multi-process tests, run with
//   node --conditions=@eventloom/source --import tsx journal-child.ts <mode> <path> ...
// It speaks in lines on stdout; "go" on stdin starts the racing modes.
import { createInterface } from "node:readline";
import { JournalConflictError } from "@eventloom/core";
import Database from "better-sqlite3";
import { sqliteJournal } from "@eventloom/sqlite";
import { Ask, approval } from "./approval-workflow.js";
import { streamRecord } from "./entries.js";

const [mode, path, ...args] = process.argv.slice(2);
if (mode === undefined || path === undefined)
  throw new Error("usage: journal-child <mode> <path> ...");

/** Resolves when the parent writes "go". */
function go(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) =>
    lines.on("line", (line) => {
      if (line === "go") {
        lines.close();
        process.stdin.destroy(); // nothing more to read: let the process end when its work does
        resolve();
      }
    }),
  );
}

switch (mode) {
  // Claims run-0 .. run-<count-1> for <owner>, one transaction each, upwards (owner "one") or
  // downwards (any other): two racers meet in the middle. Prints the ids it won.
  case "claim-race": {
    const [owner = "", count = "0"] = args;
    const n = Number(count);
    const journal = sqliteJournal({ path, busyTimeoutMs: 30_000 });
    console.log("ready");
    await go();
    const won: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = owner === "one" ? k : n - 1 - k;
      if (await journal.claim(`run-${i}`, owner, 60_000)) won.push(`run-${i}`);
    }
    await journal.close();
    console.log(JSON.stringify({ won }));
    break;
  }
  // Appends to the run "shared" at the seq it last read, until the run holds <count> entries;
  // prints the seqs it wrote and how many of its appends were refused as conflicts.
  case "append-race": {
    const [name = "", count = "0"] = args;
    const journal = sqliteJournal({ path, busyTimeoutMs: 30_000 });
    console.log("ready");
    await go();
    const won: number[] = [];
    let conflicts = 0;
    for (let seq = 0; seq < Number(count); seq = (await journal.read("shared")).length) {
      try {
        await journal.append([
          { runId: "shared", seq, at: Date.now(), workflow: "Race", record: { by: name } },
        ]);
        won.push(seq);
      } catch (error) {
        if (!(error instanceof JournalConflictError)) throw error;
        conflicts++;
      }
    }
    await journal.close();
    console.log(JSON.stringify({ won, conflicts }));
    break;
  }
  // Appends to runs "a" and "b" together, from the next seq on, until killed (or 100 000);
  // prints each seq once its append has resolved.
  case "append-stream": {
    const journal = sqliteJournal({ path });
    let seq = (await journal.read("a")).length;
    console.log(`from ${seq}`);
    for (const end = seq + 100_000; seq < end; seq++) {
      const at = Date.now();
      await journal.append(
        ["a", "b"].map((runId) => ({
          runId,
          seq,
          at,
          ...(seq === 0 ? { workflow: "Stream", status: "running" as const } : {}),
          record: streamRecord(runId, seq),
        })),
      );
      console.log(String(seq));
    }
    await journal.close();
    break;
  }
  // Holds SQLite's write lock on the file for <ms> ms, then lets it go.
  case "hold-lock": {
    const [ms = "0"] = args;
    const db = new Database(path);
    db.exec("BEGIN IMMEDIATE");
    console.log("locked");
    globalThis.setTimeout(() => {
      db.exec("COMMIT");
      db.close();
      console.log("released");
    }, Number(ms));
    break;
  }
  // Starts an Approval run on the journal and prints its id once it waits for the answer.
  case "approval": {
    const journal = sqliteJournal({ path });
    const handler = approval(journal, (line) => console.log(line)).run();
    for await (const event of handler.streamEvents()) {
      if (event instanceof Ask) break;
    }
    console.log(`waiting ${handler.runId}`);
    break;
  }
  default:
    throw new Error(`journal-child: unknown mode ${mode}`);
}
