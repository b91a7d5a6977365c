// A TCP proxy on 127.0.0.1 in front of the test server, to cut connections the way a network
// does: it can let one statement reach the server and commit, and lose the reply.
import net from "node:net";

/** A Sync message: the end of one extended-protocol request, i.e. one round trip. */
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

/** The ReadyForQuery message header: the server has finished (and committed) a statement. */
const READY = Buffer.from([0x5a, 0, 0, 0, 5]);

export interface Proxy {
  readonly port: number;
  /** Round trips (Sync messages) clients have sent so far. */
  readonly roundTrips: number;
  /**
   * The next client message containing `marker` reaches the server; its reply is thrown away
   * and the connection cut once the server has finished the statement. Resolves then.
   */
  loseReplyTo(marker: string): Promise<void>;
  /** Cuts every connection and cuts each new one at once (counted) until `open()`. */
  shut(): void;
  /** Resolves once `n` connections were cut since `shut()`. */
  refused(n: number): Promise<void>;
  /** Passes connections through again. */
  open(): void;
  close(): Promise<void>;
}

export async function startProxy(target: { host: string; port: number }): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let armed: { marker: Buffer; done: () => void } | undefined;
  let port = 0;
  let shut = false;
  let refusals = 0;
  let syncs = 0;
  let refusalWaiters: { n: number; resolve: () => void }[] = [];

  const server = (): net.Server =>
    net.createServer((client) => {
      if (shut) {
        client.destroy();
        refusals++;
        refusalWaiters = refusalWaiters.filter((w) =>
          w.n <= refusals ? (w.resolve(), false) : true,
        );
        return;
      }
      const upstream = net.connect(target.port, target.host);
      sockets.add(client).add(upstream);
      let swallowed: Buffer | undefined;
      let onCut: (() => void) | undefined;
      const cut = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on("data", (data) => {
        for (let i = data.indexOf(SYNC); i !== -1; i = data.indexOf(SYNC, i + 1)) syncs++;
        if (armed !== undefined && data.includes(armed.marker)) {
          onCut = armed.done;
          armed = undefined;
          swallowed = Buffer.alloc(0);
        }
        upstream.write(data);
      });
      upstream.on("data", (data) => {
        if (swallowed === undefined) {
          client.write(data);
          return;
        }
        swallowed = Buffer.concat([swallowed, data]);
        if (swallowed.includes(READY)) {
          cut();
          onCut?.();
        }
      });
      for (const s of [client, upstream]) {
        s.on("error", cut);
        s.on("close", () => {
          sockets.delete(s);
          cut();
        });
      }
    });

  const listening = server();
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => {
        port = (listening.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();

  return {
    get port() {
      return port;
    },
    get roundTrips() {
      return syncs;
    },
    loseReplyTo(marker) {
      return new Promise<void>((done) => {
        armed = { marker: Buffer.from(marker), done };
      });
    },
    shut() {
      shut = true;
      refusals = 0;
      for (const s of sockets) s.destroy();
    },
    refused(n) {
      return n <= refusals
        ? Promise.resolve()
        : new Promise((resolve) => refusalWaiters.push({ n, resolve }));
    },
    open() {
      shut = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => listening.close(() => resolve()));
    },
  };
}
