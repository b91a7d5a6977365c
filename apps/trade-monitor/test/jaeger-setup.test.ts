/** The Jaeger the README tells users to start matches what the app sends to by default. */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DEFAULT_OTLP_ENDPOINT } from "../src/config.js";
import { APP_DIR } from "./support/run-app.js";

describe("docker-compose.yml and README", () => {
  it("starts a Jaeger all-in-one that publishes OTLP on 4317/4318 and the UI on 16686", async () => {
    const compose = await readFile(`${APP_DIR}/docker-compose.yml`, "utf8");
    expect(compose).toMatch(/image: jaegertracing\/(jaeger|all-in-one):/);
    for (const port of ["4317", "4318", "16686"]) {
      expect(compose).toContain(`"${port}:${port}"`);
    }
    expect(new URL(DEFAULT_OTLP_ENDPOINT).port).toBe("4318");
  });

  it("says how to start Jaeger, run the app and find the trace", async () => {
    const readme = await readFile(`${APP_DIR}/README.md`, "utf8");
    expect(readme).toContain("docker compose up -d");
    expect(readme).toContain("pnpm --filter @eventloom/trade-monitor start");
    expect(readme).toContain("pnpm demo");
    expect(readme).toContain("http://localhost:16686");
    expect(readme).toContain("trade-monitor");
  });
});
