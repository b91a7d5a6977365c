// A TCP proxy in front of the server whose open connections a test can cut at will.
import { type AddressInfo, type Socket, createServer } from "node:net";

export interface CuttingProxy {
  readonly url: string;
  /** How many connections it has accepted. */
  readonly connections: number;
  /** Destroys every open connection (both sides), as a network failure would. */
  cutAll(): void;
  close(): Promise<void>;
}

export async function cuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = createConnection(hostname, Number(port));
    open.add(client).add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    cutAll() {
      for (const s of [...open]) s.destroy();
      open.clear();
    },
    close() {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

import { connect } from "node:net";
function createConnection(host: string, port: number): Socket {
  return connect({ host, port });
}
