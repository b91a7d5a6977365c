// The README's example, run against the real broker and database with a prefix and a schema of
// its own (deleted after). readme-code.test.ts checks it is the very code the README shows.
import { format } from "node:util";
import { afterEach, expect, it, vi } from "vitest";
import { useServices } from "./support/services.js";

const svc = useServices();

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env["EVENTLOOM_PREFIX"];
  delete process.env["EVENTLOOM_SCHEMA"];
});

it("runs the README's example: a worker and a client, a run that waits for an answer", async () => {
  process.env["EVENTLOOM_PREFIX"] = svc.prefix;
  process.env["EVENTLOOM_SCHEMA"] = svc.schema;
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import("./readme-example.js");
  expect(log.mock.calls.map((args) => format(...args))).toEqual([
    "0 AskApproval",
    "1 StopEvent",
    "o-1 shipped",
  ]);
});
