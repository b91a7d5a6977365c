// The "Serve over HTTP" page's sample, run against a real server on 127.0.0.1.
import { format } from "node:util";
import { afterEach, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

it("serve over http: fetch with ?wait=true, a refused input, the typed client's stream and answer, 409 after the end", async () => {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await import(/* @vite-ignore */ new URL("../examples/serve-over-http.ts", import.meta.url).href);
  expect(log.mock.calls.map((args) => format(...args))).toEqual([
    "200 auto-approved",
    "400 INVALID_INPUT [ 'amount' ]",
    "0 ReviewRequested",
    "1 StopEvent",
    "approved by linus",
    "409 RUN_ENDED",
  ]);
});
