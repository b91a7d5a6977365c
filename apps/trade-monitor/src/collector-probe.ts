import { connect } from "node:net";

/** Whether an OTLP collector answers at an address, and if not, why. */
export type CollectorState =
  { readonly reachable: true } | { readonly reachable: false; readonly reason: string };

/**
 * Opens (and closes) one TCP connection to the host and port of `url`, giving up after
 * `timeoutMs`. A cheap check before the run, so that an absent collector is reported once
 * instead of as a storm of failed exports.
 */
export function probeCollector(url: string, timeoutMs = 500): Promise<CollectorState> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ reachable: false, reason: `not a URL: ${url}` });
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host, port, autoSelectFamily: true });
    const done = (state: CollectorState) => {
      socket.destroy();
      resolve(state);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ reachable: false, reason: `no answer within ${timeoutMs} ms` }),
    );
    socket.once("connect", () => done({ reachable: true }));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      done({ reachable: false, reason: error.code ?? error.message }),
    );
  });
}
