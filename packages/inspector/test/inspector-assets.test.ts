import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WorkflowValidationError } from "@eventloom/core";
import { inspectorAssets } from "../src/index.js";
import { loadInspectorAssets } from "../src/internal/load-assets.js";
import { buildPage, testAssets } from "./support/page-build.js";

const text = (body: string | Uint8Array) =>
  typeof body === "string" ? body : Buffer.from(body).toString();

describe("inspectorAssets", () => {
  it("serves the page at / and its script and style under /assets, with content types", async () => {
    const { files } = await testAssets();
    expect([...files.keys()].sort()).toEqual(["/", "/assets/index.css", "/assets/inspector.js"]);
    expect(files.get("/")!.contentType).toBe("text/html; charset=utf-8");
    expect(files.get("/assets/inspector.js")!.contentType).toBe("text/javascript; charset=utf-8");
    expect(files.get("/assets/index.css")!.contentType).toBe("text/css; charset=utf-8");
  });

  it("has no inline script or style and loads only its own files, by relative URL", async () => {
    const { files } = await testAssets();
    const html = text(files.get("/")!.body);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|style=/);
    const refs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)]
      .map((m) => m[1]!)
      .filter((r) => r !== "data:,");
    expect(refs.sort()).toEqual(["./assets/index.css", "./assets/inspector.js"]);
    for (const body of [...files.values()].map((f) => text(f.body))) {
      expect(body).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
    }
  });

  it("sends a strict Content-Security-Policy: own origin only, nothing inline", async () => {
    const { contentSecurityPolicy: csp } = await testAssets();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
  });

  it("passes jaegerUrl to the page in a meta tag, escaped", async () => {
    const url = 'http://jaeger.local:16686/?a="><script>';
    const html = text((await testAssets({ jaegerUrl: url })).files.get("/")!.body);
    expect(html).toContain(
      '<meta name="eventloom-jaeger-url" content="http://jaeger.local:16686/?a=&quot;&gt;&lt;script&gt;">',
    );
    expect(text((await testAssets()).files.get("/")!.body)).not.toContain("eventloom-jaeger-url");
  });

  it("rejects a jaegerUrl that is not an http(s) URL, saying what is expected", async () => {
    const root = await buildPage();
    for (const bad of ["javascript:alert(1)", "localhost:16686", 42]) {
      expect(() => loadInspectorAssets(root, { jaegerUrl: bad as string })).toThrow(
        /jaegerUrl must be an http\(s\) URL such as "http:\/\/localhost:16686"/,
      );
    }
  });

  it("says how to build the page when it is missing", () => {
    expect(() => loadInspectorAssets("/nonexistent/eventloom/", {})).toThrow(
      WorkflowValidationError,
    );
    expect(() => loadInspectorAssets("/nonexistent/eventloom/", {})).toThrow(
      /inspector page is not built.*pnpm --filter @eventloom\/inspector build/,
    );
  });

  const built = existsSync(fileURLToPath(new URL("../dist/page/index.html", import.meta.url)));
  it.skipIf(!built && process.env["CI"] !== "true")(
    "reads the package's own build in dist/page (run `pnpm build` first; skipped when it is missing, fails under CI)",
    () => {
      const { files } = inspectorAssets();
      expect(text(files.get("/")!.body)).toMatch(
        /name="generator" content="@eventloom\/inspector"/,
      );
    },
  );
});
