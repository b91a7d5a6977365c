// The broker restarting while runs are live: the worker and the client reconnect, and no run or
// event is lost. A NATS server of this test's own (same binary as the shared one, its own port
// and store), so restarting it disturbs nobody else.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NatsConnection, connect } from "@nats-io/transport-node";
import { expect, it } from "vitest";
import { natsClient, natsWorker } from "../src/index.js";
import { useServices } from "./support/services.js";
import { OrderWorkflow } from "./support/workflows.js";

const svc = useServices();
const NATS_SERVER = "/usr/sbin/nats-server";
const PORT = 4300 + Math.floor(Math.random() * 600);

/** Starts the server; resolves once it says it is ready (it logs to stderr). */
async function startServer(store: string): Promise<ChildProcess> {
  const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(PORT), "-js", "-sd", store], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  svc.defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("Server is ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${log}`)));
  });
  return child;
}

async function reconnected(nc: NatsConnection): Promise<void> {
  for await (const s of nc.status()) if (s.type === "reconnect") return;
}

it.skipIf(!existsSync(NATS_SERVER))(
  "a broker restart mid-run: worker and client reconnect, the run completes with its whole stream",
  { timeout: 60_000 },
  async () => {
    const store = mkdtempSync(join(tmpdir(), "el-nats-"));
    svc.defer(() => rmSync(store, { recursive: true, force: true }));
    let server = await startServer(store);
    const options = {
      servers: `127.0.0.1:${PORT}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    };
    const workerNc = await connect(options);
    const clientNc = await connect(options);
    svc.defer(() => Promise.allSettled([workerNc.close(), clientNc.close()]));
    const errors: unknown[] = [];
    const worker = await natsWorker(workerNc, {
      workflows: [new OrderWorkflow({ journal: svc.journal(), timeout: 60_000 })],
      prefix: svc.prefix,
      ackWaitMs: 5_000,
      onError: (e) => errors.push(e),
    });
    svc.defer(() => worker.close());
    const client = natsClient(clientNc, { prefix: svc.prefix });
    const runs = await Promise.all(
      ["r-1", "r-2", "r-3"].map((orderId) => client.run("OrderWorkflow", { orderId })),
    );
    for (const run of runs) {
      for await (const ev of run.streamEvents()) if (ev.type === "AskApproval") break;
    }

    // The broker goes down and comes back on the same store.
    const back = Promise.all([reconnected(workerNc), reconnected(clientNc)]);
    server.kill("SIGTERM");
    await once(server, "exit");
    server = await startServer(store);
    await back;

    for (const run of runs) await run.sendEvent({ type: "Approval", data: { ok: true } });
    expect(await Promise.all(runs.map((r) => r.result()))).toEqual([
      "r-1 shipped",
      "r-2 shipped",
      "r-3 shipped",
    ]);
    for (const run of runs) {
      const events = [];
      for await (const ev of run.streamEvents()) events.push([ev.seq, ev.type]);
      expect(events).toEqual([
        [0, "Progress"],
        [1, "AskApproval"],
        [2, "Progress"],
        [3, "StopEvent"],
      ]);
    }
    await worker.close();
    server.kill("SIGTERM");
    await once(server, "exit");
  },
);
