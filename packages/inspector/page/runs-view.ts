import type { Api } from "./api.js";
import { h, setText } from "./dom.js";
import { SETTLED, formatDuration, formatTime, toMs } from "./format.js";
import type { RunSummary } from "./types.js";

/** The statuses the server reports (a run waiting for an event is running). */
const STATUSES = ["running", "completed", "failed", "timed_out", "cancelled"];

interface Row {
  run: RunSummary;
  readonly tr: HTMLTableRowElement;
  readonly status: HTMLElement;
  readonly started: HTMLTableCellElement;
  readonly duration: HTMLTableCellElement;
}

/**
 * The runs table, live from `GET /runs` as SSE: all runs at connect, then each change. Updates
 * are applied once per animation frame and only touch the rows that changed, so a burst of
 * 1 000 runs is one DOM pass; the status filter only toggles `hidden` on rows.
 */
export function runsView(api: Api, root: HTMLElement, signal: AbortSignal): void {
  const rows = new Map<string, Row>();
  const order: Row[] = [];
  const tbody = h("tbody");
  const empty = h("p", { class: "muted empty" }, "No runs yet. Start one and it appears here.");
  const count = h("span", { class: "muted", id: "run-count" });
  const filter = h(
    "select",
    { id: "status-filter", "aria-label": "Filter by status" },
    h("option", { value: "" }, "all statuses"),
    ...STATUSES.map((st) => h("option", { value: st }, st)),
  );
  filter.value = new URLSearchParams(location.hash.split("?")[1] ?? "").get("status") ?? "";
  const table = h(
    "table",
    { class: "runs", id: "runs" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Run"),
        h("th", {}, "Workflow"),
        h("th", {}, "Status"),
        h("th", {}, "Started"),
        h("th", { class: "num" }, "Duration"),
      ),
    ),
    tbody,
  );
  root.replaceChildren(
    h(
      "section",
      { class: "runs-view" },
      h("div", { class: "toolbar" }, h("h1", {}, "Runs"), count, h("label", {}, "Status ", filter)),
      table,
      empty,
    ),
  );

  const visible = (r: RunSummary) => filter.value === "" || r.status === filter.value;
  const refreshCount = () => {
    let shown = 0;
    for (const r of rows.values()) if (visible(r.run)) shown++;
    setText(count, filter.value === "" ? `${rows.size} runs` : `${shown} of ${rows.size} runs`);
    empty.hidden = rows.size > 0;
  };
  filter.addEventListener("change", () => {
    for (const r of rows.values()) r.tr.hidden = !visible(r.run);
    const q = filter.value === "" ? "" : `?status=${encodeURIComponent(filter.value)}`;
    history.replaceState(null, "", `#/${q}`);
    refreshCount();
  });

  let pending = new Map<string, RunSummary>();
  let frame = 0;
  const flush = () => {
    frame = 0;
    const batch = [...pending.values()];
    pending = new Map();
    const added: Row[] = [];
    for (const run of batch) {
      const row = rows.get(run.runId);
      if (row === undefined) {
        const r = makeRow(run);
        rows.set(run.runId, r);
        added.push(r);
      } else {
        row.run = run;
        fillRow(row);
      }
      rows.get(run.runId)!.tr.hidden = !visible(run);
    }
    if (added.length > 0) insertRows(tbody, added, order);
    refreshCount();
  };
  const upsert = (run: RunSummary) => {
    if (typeof run?.runId !== "string") return;
    pending.set(run.runId, run);
    if (frame === 0) frame = requestAnimationFrame(flush);
  };

  // Running rows' durations grow while the page is open.
  const tick = globalThis.setInterval(() => {
    const now = Date.now();
    for (const r of rows.values()) if (!SETTLED.has(r.run.status)) fillDuration(r, now);
  }, 1000);
  signal.addEventListener("abort", () => {
    globalThis.clearInterval(tick);
    if (frame !== 0) cancelAnimationFrame(frame);
  });

  refreshCount();
  void api
    .stream(
      "runs",
      (m) => {
        if (m.event !== "run") return;
        upsert(JSON.parse(m.data) as RunSummary);
      },
      { signal, reconnect: () => true },
    )
    .catch((err: unknown) => {
      root.prepend(h("p", { class: "error", role: "alert" }, `Cannot list runs: ${String(err)}`));
    });
}

function makeRow(run: RunSummary): Row {
  const link = h("a", { href: `#/runs/${encodeURIComponent(run.runId)}` }, run.runId);
  const status = h("span", { class: "status" });
  const started = h("td");
  const duration = h("td", { class: "num" });
  const tr = h(
    "tr",
    { "data-run-id": run.runId },
    h("td", { class: "mono" }, link),
    h("td", {}, String(run.workflow ?? "")),
    h("td", {}, status),
    started,
    duration,
  );
  const row: Row = { run, tr, status, started, duration };
  fillRow(row);
  return row;
}

function fillRow(row: Row): void {
  const { run } = row;
  setText(row.status, String(run.status));
  row.status.className = `status status-${String(run.status)}`;
  row.tr.dataset["status"] = String(run.status);
  setText(row.started, formatTime(run.startedAt));
  fillDuration(row, Date.now());
}

function fillDuration(row: Row, now: number): void {
  const start = toMs(row.run.startedAt);
  const end = SETTLED.has(row.run.status) ? (toMs(row.run.updatedAt) ?? now) : now;
  setText(row.duration, start === undefined ? "—" : formatDuration(end - start));
}

/**
 * Newest first. `order` mirrors the table body; a big batch (the list at connect) rebuilds the
 * body in one pass, a few new runs are placed by binary search.
 */
function insertRows(tbody: HTMLTableSectionElement, added: Row[], order: Row[]): void {
  const key = (r: Row) => toMs(r.run.startedAt) ?? 0;
  if (added.length > 32) {
    order.push(...added);
    order.sort((a, b) => key(b) - key(a));
    tbody.replaceChildren(...order.map((r) => r.tr));
    return;
  }
  for (const r of added) {
    const k = key(r);
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key(order[mid]!) > k) lo = mid + 1;
      else hi = mid;
    }
    tbody.insertBefore(r.tr, order[lo]?.tr ?? null);
    order.splice(lo, 0, r);
  }
}
