// A server process on a SQLite journal, for the restart tests: prints "listening <url>".
import { sqliteJournal } from "@eventloom/sqlite";
import { createServer } from "@eventloom/server";
import { approval } from "./workflows.js";

const path = process.argv[2]!;
const journal = sqliteJournal({ path });
const { url } = await createServer({ workflows: { approval: approval(journal) } }).listen({
  port: 0,
});
console.log(`listening ${url}`);
