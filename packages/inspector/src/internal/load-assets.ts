import { readFileSync, readdirSync, statSync } from "node:fs";
import { WorkflowValidationError } from "@eventloom/core";

/** One file of the inspector page. */
export interface InspectorAsset {
  readonly body: string | Uint8Array;
  readonly contentType: string;
}

/** The inspector page's files and the Content-Security-Policy to serve them with. */
export interface InspectorPageAssets {
  /** Keyed by URL path relative to where the page is mounted: `"/"` and `"/assets/…"`. */
  readonly files: ReadonlyMap<string, InspectorAsset>;
  /** Strict: scripts, styles and requests from the page's own origin only; nothing inline. */
  readonly contentSecurityPolicy: string;
}

/** Options of `inspectorAssets()`. */
export interface InspectorAssetsOptions {
  /** A Jaeger UI base URL (`http://localhost:16686`): trace ids become links to `<jaegerUrl>/trace/<id>`. */
  readonly jaegerUrl?: string;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
};

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Reads a built page from `root` (a directory path ending in a slash); tests point it at their own build. */
export function loadInspectorAssets(
  root: string,
  options: InspectorAssetsOptions,
): InspectorPageAssets {
  const jaegerUrl = checkJaegerUrl(options.jaegerUrl);
  let names: string[];
  try {
    names = listFiles(root);
  } catch {
    names = [];
  }
  if (!names.includes("index.html")) {
    throw new WorkflowValidationError(
      `The inspector page is not built: ${root}index.html is missing. Run \`pnpm --filter @eventloom/inspector build\` (or reinstall @eventloom/inspector, whose package ships it).`,
    );
  }
  const files = new Map<string, InspectorAsset>();
  for (const name of names) {
    if (name.endsWith(".map")) continue;
    const ext = name.slice(name.lastIndexOf("."));
    const contentType = TYPES[ext] ?? "application/octet-stream";
    if (name === "index.html") {
      const html = readFileSync(root + name, "utf8");
      files.set("/", { body: withJaegerUrl(html, jaegerUrl), contentType });
    } else {
      const body = contentType.startsWith("text/")
        ? readFileSync(root + name, "utf8")
        : new Uint8Array(readFileSync(root + name));
      files.set(`/${name}`, { body, contentType });
    }
  }
  return { files, contentSecurityPolicy: CSP };
}

function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir + prefix)) {
    const rel = prefix + entry;
    if (statSync(dir + rel).isDirectory()) out.push(...listFiles(dir, `${rel}/`));
    else out.push(rel);
  }
  return out;
}

function checkJaegerUrl(url: unknown): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = typeof url === "string" ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new WorkflowValidationError(
      `inspector jaegerUrl must be an http(s) URL such as "http://localhost:16686"; got ${JSON.stringify(url) ?? String(url)}`,
    );
  }
  return url as string;
}

/** The page reads the Jaeger URL from a meta tag (no inline script under the CSP). */
function withJaegerUrl(html: string, jaegerUrl: string | undefined): string {
  if (jaegerUrl === undefined) return html;
  const meta = `<meta name="eventloom-jaeger-url" content="${escapeAttribute(jaegerUrl)}">`;
  return html.replace("</head>", `${meta}\n</head>`);
}

function escapeAttribute(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}
