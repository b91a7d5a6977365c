// Serves the trade approval workflow over HTTP. Run it with
//   pnpm --filter @eventloom/examples exec tsx approval-over-http/server.ts
// and answer the approval with curl (see packages/server/README.md).
// EVENTLOOM_DB=runs.db keeps runs in a SQLite file, so they survive a restart.
import { pathToFileURL } from "node:url";
import { createServer, type ListeningServer } from "@eventloom/server";
import { sqliteJournal } from "@eventloom/sqlite";
import { TradeApprovalWorkflow } from "./workflow.js";

export async function startServer(options: {
  port?: number;
  token?: string;
  db?: string;
}): Promise<ListeningServer> {
  const journal = options.db ? sqliteJournal({ path: options.db }) : undefined;
  const server = createServer({
    workflows: {
      trade: new TradeApprovalWorkflow({ timeout: null, ...(journal ? { journal } : {}) }),
    },
    ...(options.token ? { token: options.token } : {}),
    inspector: true,
  });
  const listening = await server.listen({ port: options.port ?? 8787 });
  return {
    ...listening,
    close: async () => {
      await listening.close();
      await journal?.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const env = process.env;
  const { url } = await startServer({
    port: Number(env["PORT"] ?? 8787),
    ...(env["EVENTLOOM_TOKEN"] ? { token: env["EVENTLOOM_TOKEN"] } : {}),
    ...(env["EVENTLOOM_DB"] ? { db: env["EVENTLOOM_DB"] } : {}),
  });
  console.log(`trade approvals on ${url} (inspector at ${url}/)`);
}
