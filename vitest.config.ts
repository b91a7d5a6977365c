import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";

// Source-first workspace: resolve @eventloom/* packages to their src/ through the custom
// export condition, so tests need no build. Never add "module" here (it breaks
// @opentelemetry/api resolution on Node).
const conditions = ["@eventloom/source", "node", "development|production"];

function project(
  name: string,
  root: string,
  timeout = 20_000,
  exclude: string[] = [],
): TestProjectInlineConfiguration {
  return {
    extends: false,
    root,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@eventloom/source"] } },
    test: {
      name,
      include: ["**/*.test.ts"],
      exclude: ["**/node_modules/**", "**/dist/**", ...exclude],
      testTimeout: timeout,
      hookTimeout: timeout,
      typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: "tsconfig.json" },
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      project("core", "packages/core"),
      project("retry", "packages/retry"),
      project("services", "packages/services"),
      project("draw", "packages/draw", 60_000),
      project("sqlite", "packages/sqlite", 60_000),
      project("postgres", "packages/postgres", 60_000),
      project("server", "packages/server", 60_000),
      project("client", "packages/client", 60_000),
      project("nats", "packages/nats", 90_000),
      project("inspector", "packages/inspector", 90_000),
      project("testing", "packages/testing"),
      project("examples", "examples"),
      // The Jaeger test needs a real Jaeger (docker compose, which CI machines cannot run): it
      // runs when JAEGER_URL is set (`JAEGER_URL=http://localhost:16686 pnpm test`).
      project(
        "trade-monitor",
        "apps/trade-monitor",
        60_000,
        process.env["JAEGER_URL"] === undefined ? ["test/jaeger.test.ts"] : [],
      ),
      project("docs", "docs", 90_000),
    ],
  },
});
