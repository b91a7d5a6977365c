import { Api } from "./api.js";
import { h } from "./dom.js";
import { runView } from "./run-view.js";
import { runsView } from "./runs-view.js";
import type { WorkflowInfo } from "./types.js";

// The API sits where the page is served: `/` or the prefix the server is mounted under.
const base = new URL(".", location.href.split("#")[0]);
base.search = "";
const api = new Api(base);
const jaegerUrl =
  document.querySelector<HTMLMetaElement>('meta[name="eventloom-jaeger-url"]')?.content ||
  undefined;
const app = document.getElementById("app")!;
const conn = document.getElementById("conn")!;
api.onConnection = (state) => {
  conn.textContent = state === "live" ? "live" : "reconnecting…";
  conn.className = `conn conn-${state}`;
};

let workflowList: Promise<readonly WorkflowInfo[]> | undefined;
const workflows = () => {
  workflowList ??= api.json<WorkflowInfo[]>("workflows").catch((err: unknown) => {
    workflowList = undefined;
    throw err;
  });
  return workflowList;
};

let current: AbortController | undefined;

/** `#/` is the runs table, `#/runs/<id>` a run. */
function route(): void {
  current?.abort();
  current = new AbortController();
  const hash = location.hash.replace(/^#/, "");
  const m = /^\/runs\/([^?]+)/.exec(hash);
  if (m !== null) {
    const runId = decodeURIComponent(m[1]!);
    document.title = `${runId} · Eventloom inspector`;
    void runView(api, app, runId, workflows, jaegerUrl, current.signal);
  } else {
    document.title = "Runs · Eventloom inspector";
    runsView(api, app, current.signal);
  }
}

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (e) => {
  app.prepend(h("p", { class: "error", role: "alert" }, String(e.reason)));
});
route();
