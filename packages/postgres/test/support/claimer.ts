// A separate process that claims runs, for the tests of two processes on one journal.
// Modes (argv[2]):
//   race <runs>    prints "ready", waits for "go" on stdin, claims run-0 … run-<runs-1> at once,
//                  prints the ids it won as JSON, and exits.
//   hold <leaseMs> claims "held", prints "held", then renews every leaseMs / 4 until killed,
//                  printing "renewed" after each renewal.
import { createInterface } from "node:readline";
import { postgresJournal } from "@eventloom/postgres";

const [mode, arg] = process.argv.slice(2);
const url = process.env["EL_URL"]!;
const schema = process.env["EL_SCHEMA"]!;
const owner = `${mode} pid ${process.pid}`;
const journal = postgresJournal({ connectionString: url }, { schema });

if (mode === "race") {
  const runs = Number(arg);
  await journal.listRuns(); // connected and schema ready, so the claims themselves race
  const lines = createInterface({ input: process.stdin });
  process.stdout.write("ready\n");
  for await (const line of lines) if (line === "go") break;
  const ids = Array.from({ length: runs }, (_, i) => `run-${i}`);
  const won = await Promise.all(ids.map((id) => journal.claim(id, owner, 60_000)));
  process.stdout.write(`${JSON.stringify(ids.filter((_, i) => won[i]))}\n`);
  await journal.close();
  process.exit(0);
} else if (mode === "hold") {
  const lease = Number(arg);
  if (!(await journal.claim("held", owner, lease))) throw new Error("could not claim");
  process.stdout.write("held\n");
  setInterval(() => {
    void journal.claim("held", owner, lease).then((ok) => {
      process.stdout.write(ok ? "renewed\n" : "lost\n");
    });
  }, lease / 4);
}
