// A client that misses the end of its run (core NATS keeps nothing for a connection that is
// away, or too slow to take what the broker sends it) still gets the result: once it is back it
// reads the end state the broker stored. Its connection runs through a relay of this test that
// can stop passing the broker's bytes on, so the reply is lost for certain.
import { once } from "node:events";
import { type AddressInfo, type Socket, createConnection, createServer } from "node:net";
import { connect } from "@nats-io/transport-node";
import { expect, it } from "vitest";
import { natsClient, natsWorker } from "../src/index.js";
import { NATS_URL, useServices } from "./support/services.js";
import { OrderWorkflow } from "./support/workflows.js";

const svc = useServices();

/** A TCP relay to the broker; `deaf` drops what the broker sends, `cut()` ends every connection. */
async function relay() {
  const [host = "127.0.0.1", port = "4222"] = NATS_URL.split(":");
  const sockets = new Set<Socket>();
  const state = { deaf: false };
  const server = createServer((client) => {
    const upstream = createConnection(Number(port), host);
    client.pipe(upstream);
    upstream.on("data", (data: Buffer) => {
      if (!state.deaf) client.write(data);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  svc.defer(() => new Promise((resolve) => server.close(resolve)));
  return {
    url: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    cut() {
      for (const s of sockets) s.destroy();
    },
  };
}

it("a client that missed its run's end while away gets the result from the broker once it reconnects", async () => {
  const r = await relay();
  const clientNc = await connect({
    servers: r.url,
    reconnectTimeWait: 100,
    maxReconnectAttempts: -1,
  });
  svc.defer(() => clientNc.close());
  const workerNc = await svc.connect();
  const worker = await natsWorker(workerNc, {
    workflows: [new OrderWorkflow({ journal: svc.journal(), timeout: 60_000 })],
    prefix: svc.prefix,
  });
  svc.defer(() => worker.close());
  const client = natsClient(clientNc, { prefix: svc.prefix });
  const run = await client.run("OrderWorkflow", { orderId: "m-1" });
  for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") break;

  // The client hears nothing from now on; another client answers the run, which ends.
  r.state.deaf = true;
  const elsewhere = natsClient(workerNc, { prefix: svc.prefix }).handle(run.runId);
  await elsewhere.sendEvent({ type: "Approval", data: { ok: true } });
  expect(await elsewhere.result()).toBe("m-1 shipped");
  await workerNc.flush(); // the broker has handled the worker's reply to the client: it is lost

  // The connection drops; the client reconnects and reads what it missed.
  r.state.deaf = false;
  r.cut();
  expect(await run.result()).toBe("m-1 shipped");
  expect(await run.status()).toMatchObject({ status: "completed", result: "m-1 shipped" });
});
