import { describe, expect, it } from "vitest";
import { ConfigError, readConfig, resolveTracesUrl } from "../src/config.js";

describe("resolveTracesUrl", () => {
  it("appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, defaulting to localhost:4318", () => {
    expect(resolveTracesUrl({})).toBe("http://localhost:4318/v1/traces");
    expect(resolveTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318/" })).toBe(
      "http://jaeger:4318/v1/traces",
    );
  });

  it("takes OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is", () => {
    expect(
      resolveTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:9999/custom",
      }),
    ).toBe("http://b:9999/custom");
  });
});

describe("readConfig", () => {
  it("reads the command line, including after the '--' that pnpm passes on", () => {
    const config = readConfig(["--", "--seed", "42", "--stock", "AAPL", "--cycles", "3"], {});
    expect(config).toMatchObject({ seed: 42, stock: "AAPL", cycles: 3, speedUp: 10 });
  });

  it("falls back to the environment, and TRADE_MONITOR_FAST=1 shortens the waits", () => {
    const config = readConfig([], { TRADE_MONITOR_SEED: "7", TRADE_MONITOR_FAST: "1" });
    expect(config).toMatchObject({ seed: 7, speedUp: 200, stock: "NVDA", cycles: 2 });
  });

  it("rejects a bad number or an unknown flag with the usage", () => {
    expect(() => readConfig(["--seed", "x"], {})).toThrow(ConfigError);
    expect(() => readConfig(["--cycles=-1"], {})).toThrow(/--cycles must be an integer >= 0/);
    expect(() => readConfig(["--nope"], {})).toThrow(/Usage: trade-monitor/);
  });
});
