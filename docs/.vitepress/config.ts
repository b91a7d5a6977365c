import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DefaultTheme, defineConfig } from "vitepress";

const docsRoot = fileURLToPath(new URL("..", import.meta.url));

/** The API sidebar that TypeDoc writes (`pnpm run api`); empty until it has run. */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = join(docsRoot, "api/typedoc-sidebar.json");
  if (!existsSync(file)) return [];
  return JSON.parse(readFileSync(file, "utf8")) as DefaultTheme.SidebarItem[];
}

/**
 * The results section ("## One run") of bench/README.md, which the benchmark engineer updates
 * with each published run; the benchmarks page shows it where it says `<!-- bench-results -->`.
 */
function benchResults(): string {
  const file = join(docsRoot, "../bench/README.md");
  const section = existsSync(file)
    ? /^## One run\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readFileSync(file, "utf8"))?.[1]
    : undefined;
  return section ?? "No published run yet: run `pnpm bench` to measure on your machine.";
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: "Introduction",
    items: [
      { text: "Getting started", link: "/guide/getting-started" },
      { text: "Coming from LlamaIndex", link: "/guide/coming-from-llamaindex" },
    ],
  },
  {
    text: "Essentials",
    items: [
      { text: "Events and schemas", link: "/guide/events" },
      { text: "Steps", link: "/guide/steps" },
      { text: "Branches and loops", link: "/guide/branches-and-loops" },
      { text: "Streaming", link: "/guide/streaming" },
      { text: "Concurrency", link: "/guide/concurrency" },
    ],
  },
  {
    text: "Running for real",
    items: [
      { text: "Workflow and run options", link: "/guide/options" },
      { text: "Retries", link: "/guide/retries" },
      { text: "Timeouts and cancellation", link: "/guide/timeouts-and-cancellation" },
      { text: "Human in the loop", link: "/guide/human-in-the-loop" },
      { text: "Stepwise execution", link: "/guide/stepwise" },
      { text: "Nested workflows and bridges", link: "/guide/nested-workflows" },
    ],
  },
  {
    text: "Durable and distributed",
    items: [
      { text: "Durable runs", link: "/guide/durable-runs" },
      { text: "Durable runs on PostgreSQL", link: "/guide/postgres" },
      { text: "Serve over HTTP", link: "/guide/serve-over-http" },
      { text: "Distributed runs", link: "/guide/distributed-runs" },
      { text: "Inspector", link: "/guide/inspector" },
    ],
  },
  {
    text: "Seeing and checking",
    items: [
      { text: "Drawing workflows", link: "/guide/drawing" },
      { text: "Tracing in Jaeger", link: "/guide/tracing" },
      { text: "Testing your workflows", link: "/guide/testing" },
    ],
  },
  {
    text: "More",
    items: [
      { text: "Tutorial: the trading robot", link: "/tutorial/trading-robot" },
      { text: "Benchmarks", link: "/benchmarks" },
      { text: "API reference", link: "/api/" },
    ],
  },
];

export default defineConfig({
  title: "Eventloom",
  description:
    "Event-driven workflows for TypeScript: typed events, concurrent steps, streaming, retries and OpenTelemetry tracing.",
  lang: "en-US",
  cleanUrls: true,
  lastUpdated: false,
  srcExclude: ["**/node_modules/**", "drawings/**", "examples/**", "test/**", "README.md"],
  markdown: {
    config(md) {
      const results = benchResults();
      md.core.ruler.before("normalize", "bench-results", (state) => {
        state.src = state.src.replace("<!-- bench-results -->", results);
      });
    },
  },
  head: [
    ["link", { rel: "icon", type: "image/svg+xml", href: "/logo.svg" }],
    ["meta", { name: "theme-color", content: "#3d6fd9" }],
  ],
  themeConfig: {
    logo: "/logo.svg",
    nav: [
      { text: "Guide", link: "/guide/getting-started", activeMatch: "^/guide/" },
      { text: "Tutorial", link: "/tutorial/trading-robot", activeMatch: "^/tutorial/" },
      { text: "API", link: "/api/", activeMatch: "^/api/" },
      { text: "Benchmarks", link: "/benchmarks" },
    ],
    sidebar: {
      "/api/": [{ text: "API reference", link: "/api/", items: apiSidebar() }],
      "/": guide,
    },
    search: { provider: "local" },
    outline: { level: [2, 3] },
    footer: { message: "Released under the MIT License." },
  },
  // The workflow drawings are self-contained HTML pages made by @eventloom/draw (docs/drawings):
  // ship them as they are, for the guides to embed in iframes.
  buildEnd(site) {
    const from = join(docsRoot, "drawings");
    const to = join(site.outDir, "drawings");
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from)) {
      if (file.endsWith(".html")) copyFileSync(join(from, file), join(to, file));
    }
  },
});
