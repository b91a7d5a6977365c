import { type Api, ApiError } from "./api.js";
import { h, setText } from "./dom.js";
import { SETTLED, formatDuration, formatJson, formatTime, toMs } from "./format.js";
import { GraphView, stateLabel, stepLiveState } from "./graph-view.js";
import { schemaForm } from "./schema-form.js";
import type {
  RunDetail,
  RunSummary,
  StepState,
  StepsInfo,
  Waiting,
  WorkflowInfo,
} from "./types.js";

/** Events kept on the page; older ones are dropped from the list (the count stays right). */
const MAX_STREAM_ITEMS = 2000;

/**
 * One run: its status and result, the workflow graph with each step's live state, the step
 * counts, the event stream as it happens, a form per awaited event and a cancel button. Live
 * parts come from `GET /runs/:id/steps` and `GET /runs/:id/events` as SSE.
 */
export async function runView(
  api: Api,
  root: HTMLElement,
  runId: string,
  workflows: () => Promise<readonly WorkflowInfo[]>,
  jaegerUrl: string | undefined,
  signal: AbortSignal,
): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading run…"));
  let detail: RunDetail;
  try {
    detail = await api.json<RunDetail>(`runs/${encodeURIComponent(runId)}`);
  } catch (err) {
    root.replaceChildren(
      h("p", { class: "error", role: "alert", id: "run-missing" }, messageOf(err)),
      h("p", {}, h("a", { href: "#/" }, "Back to the runs")),
    );
    return;
  }
  if (signal.aborted) return;
  // GET /runs/:id may leave out the times; the runs list has them.
  const times = async (d: RunDetail): Promise<RunDetail> => {
    if (d.startedAt !== undefined && (d.updatedAt !== undefined || !SETTLED.has(d.status)))
      return d;
    const list = await api
      .json<RunSummary[]>(`runs?workflow=${encodeURIComponent(d.workflow)}`)
      .catch(() => [] as RunSummary[]);
    const found = Array.isArray(list) ? list.find((r) => r.runId === runId) : undefined;
    return found === undefined
      ? d
      : {
          ...d,
          startedAt: d.startedAt ?? found.startedAt,
          updatedAt: d.updatedAt ?? found.updatedAt,
        };
  };
  detail = await times(detail);

  const status = h("span", { id: "run-status", class: "status" });
  const duration = h("span", { id: "run-duration" });
  const cancel = h("button", { type: "button", id: "cancel", class: "danger" }, "Cancel run");
  const message = h("p", { class: "error", role: "alert", id: "run-message", hidden: true });
  const outcome = h("section", { id: "outcome", class: "outcome", hidden: true });
  const answers = h("section", { id: "answers", class: "answers", hidden: true });
  const stepsBody = h("tbody");
  const stepsTable = h(
    "table",
    { id: "steps", class: "steps" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Step"),
        h("th", {}, "State"),
        h("th", { class: "num" }, "Running"),
        h("th", { class: "num" }, "Completed"),
        h("th", { class: "num" }, "Failed"),
        h("th", { class: "num" }, "Waiting"),
      ),
    ),
    stepsBody,
  );
  const streamCount = h("span", { class: "muted", id: "stream-count" }, "0 events");
  const stream = h("ol", { id: "stream", class: "stream" });
  const graphBox = h("div", { class: "graph-box", id: "graph-box" });
  const trace = traceView(detail.traceId, jaegerUrl);

  root.replaceChildren(
    h(
      "section",
      { class: "run-view" },
      h(
        "p",
        { class: "crumbs" },
        h("a", { href: "#/" }, "Runs"),
        " / ",
        h("span", { class: "mono" }, runId),
      ),
      h(
        "div",
        { class: "run-head" },
        h("h1", {}, h("span", { id: "run-workflow" }, String(detail.workflow)), " ", status),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "Run"),
          h("dd", { class: "mono", id: "run-id" }, runId),
          h("dt", {}, "Started"),
          h("dd", { id: "run-started" }, formatTime(detail.startedAt)),
          h("dt", {}, "Duration"),
          h("dd", {}, duration),
          h("dt", {}, "Trace"),
          h("dd", {}, trace),
        ),
        cancel,
      ),
      message,
      outcome,
      answers,
      graphBox,
      h(
        "div",
        { class: "columns" },
        h("section", { class: "panel" }, h("h2", {}, "Steps"), stepsTable),
        h("section", { class: "panel" }, h("h2", {}, "Stream ", streamCount), stream),
      ),
    ),
  );

  let current = detail;
  const showStatus = (st: string) => {
    setText(status, st);
    status.className = `status status-${st}`;
    cancel.disabled = SETTLED.has(st);
    const start = toMs(current.startedAt);
    const end = SETTLED.has(st) ? (toMs(current.updatedAt) ?? Date.now()) : Date.now();
    setText(duration, start === undefined ? "—" : formatDuration(end - start));
  };
  const showOutcome = (d: RunDetail) => {
    if (!SETTLED.has(d.status)) return;
    outcome.hidden = false;
    if (d.error !== undefined) {
      outcome.replaceChildren(
        h("h2", {}, "Error"),
        h(
          "pre",
          { id: "run-error", class: "error" },
          `${d.error.code ?? "error"}: ${d.error.message ?? ""}`,
        ),
      );
    } else {
      outcome.replaceChildren(
        h("h2", {}, "Result"),
        h("pre", { id: "run-result" }, d.result === undefined ? "—" : formatJson(d.result)),
      );
    }
  };
  const refresh = async (): Promise<RunDetail> => {
    const fresh = await api.json<RunDetail>(`runs/${encodeURIComponent(runId)}`);
    current = await times({ ...fresh, startedAt: fresh.startedAt ?? current.startedAt });
    showStatus(current.status);
    showOutcome(current);
    if (SETTLED.has(current.status)) answers.hidden = true;
    return current;
  };
  showStatus(detail.status);
  showOutcome(detail);
  const tick = globalThis.setInterval(() => {
    if (!SETTLED.has(current.status)) showStatus(current.status);
  }, 1000);
  signal.addEventListener("abort", () => globalThis.clearInterval(tick));

  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    message.hidden = true;
    api
      .json(`runs/${encodeURIComponent(runId)}/cancel`, { method: "POST", body: {} })
      .then(() => refresh())
      .catch((err: unknown) => {
        message.hidden = false;
        setText(message, `Cancel failed: ${messageOf(err)}`);
        cancel.disabled = SETTLED.has(current.status);
      });
  });

  // The graph: drawn once the workflow list is in; the page works without it.
  let graph: GraphView | undefined;
  let lastSteps: StepsInfo | undefined;
  workflows()
    .then((list) => {
      const wf = list.find((w) => w.name === detail.workflow);
      if (wf?.graph === undefined) {
        graphBox.append(h("p", { class: "muted" }, "The server sent no graph for this workflow."));
        return;
      }
      graph = new GraphView(wf.graph);
      graphBox.append(graph.svg);
      if (lastSteps !== undefined) graph.update(lastSteps.steps, waitingSteps(lastSteps.waiting));
    })
    .catch((err: unknown) => {
      graphBox.append(
        h("p", { class: "error" }, `Cannot load the workflow graph: ${messageOf(err)}`),
      );
    });

  const stepRows = new Map<string, HTMLTableRowElement>();
  let answerKey = "";
  const onSteps = (info: StepsInfo) => {
    lastSteps = info;
    if (typeof info.status === "string" && info.status !== current.status) {
      current = { ...current, status: info.status };
      showStatus(info.status);
      if (SETTLED.has(info.status)) void refresh().catch(() => undefined);
    }
    const waiting = Array.isArray(info.waiting) ? info.waiting : [];
    const steps = Array.isArray(info.steps) ? info.steps : [];
    for (const st of steps) fillStepRow(stepsBody, stepRows, st);
    graph?.update(steps, waitingSteps(waiting));
    const key = JSON.stringify(waiting.map((w) => [w.step, w.type]));
    if (key !== answerKey) {
      answerKey = key;
      showAnswers(answers, waiting, async (w, data) => {
        await api.json(`runs/${encodeURIComponent(runId)}/events`, {
          method: "POST",
          body: { type: w.type, data },
        });
      });
    }
    if (SETTLED.has(current.status)) answers.hidden = true;
  };

  let events = 0;
  const streamDone = api.stream(
    `runs/${encodeURIComponent(runId)}/events`,
    (m) => {
      events++;
      setText(streamCount, `${events} event${events === 1 ? "" : "s"}`);
      stream.append(streamItem(m.id, m.event, m.data));
      while (stream.childElementCount > MAX_STREAM_ITEMS) stream.firstElementChild?.remove();
      stream.scrollTop = stream.scrollHeight;
    },
    { signal, reconnect: async () => !SETTLED.has((await refresh()).status) },
  );
  const stepsDone = api.stream(
    `runs/${encodeURIComponent(runId)}/steps`,
    (m) => {
      if (m.event === "steps") onSteps(JSON.parse(m.data) as StepsInfo);
    },
    { signal, reconnect: () => !SETTLED.has(current.status) },
  );
  await Promise.all([streamDone.then(() => refresh()), stepsDone]).catch((err: unknown) => {
    if (signal.aborted) return;
    message.hidden = false;
    setText(message, messageOf(err));
  });
}

function waitingSteps(waiting: readonly Waiting[]): Set<string> {
  return new Set(waiting.map((w) => w.step));
}

function fillStepRow(
  body: HTMLTableSectionElement,
  rows: Map<string, HTMLTableRowElement>,
  st: StepState,
): void {
  let tr = rows.get(st.name);
  if (tr === undefined) {
    tr = h(
      "tr",
      { "data-step": st.name },
      h("td", { class: "mono" }, st.name),
      h("td", { class: "state" }),
      h("td", { class: "num running" }),
      h("td", { class: "num completed" }),
      h("td", { class: "num failed" }),
      h("td", { class: "num waiting" }),
    );
    rows.set(st.name, tr);
    body.append(tr);
  }
  const cells = tr.cells;
  const state = stepLiveState(st);
  tr.dataset["state"] = state;
  setText(cells[1]!, stateLabel(st));
  cells[1]!.className = `state state-${state}`;
  setText(cells[2]!, String(st.running));
  setText(cells[3]!, String(st.completed));
  setText(cells[4]!, String(st.failed));
  setText(cells[5]!, String(st.waiting));
}

function showAnswers(
  box: HTMLElement,
  waiting: readonly Waiting[],
  send: (w: Waiting, data: Record<string, unknown>) => Promise<void>,
): void {
  box.hidden = waiting.length === 0;
  box.replaceChildren();
  if (waiting.length === 0) return;
  box.append(h("h2", {}, "Waiting for an answer"));
  waiting.forEach((w, i) => {
    const form = schemaForm(w.schema, `answer-${i}`);
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "primary" }, `Send ${w.type}`);
    const el = h(
      "form",
      { class: "answer", "data-step": w.step, "data-type": w.type, novalidate: true },
      h(
        "p",
        {},
        "Step ",
        h("strong", { class: "mono" }, w.step),
        " waits for ",
        h("strong", { class: "mono" }, w.type),
        ".",
      ),
      form.fields,
      error,
      submit,
    );
    el.addEventListener("submit", (e) => {
      e.preventDefault();
      const read = form.read();
      if (!read.ok) {
        error.hidden = false;
        setText(error, read.message);
        return;
      }
      error.hidden = true;
      submit.disabled = true;
      send(w, read.data)
        .then(() => {
          setText(submit, "Sent");
        })
        .catch((err: unknown) => {
          error.hidden = false;
          setText(error, messageOf(err));
          submit.disabled = false;
        });
    });
    box.append(el);
  });
}

function streamItem(id: string | undefined, type: string, data: string): HTMLLIElement {
  let body: string;
  try {
    const parsed = JSON.parse(data) as { data?: unknown };
    body = formatJson(
      parsed !== null && typeof parsed === "object" && "data" in parsed ? parsed.data : parsed,
    );
  } catch {
    body = data;
  }
  return h(
    "li",
    { "data-type": type, ...(id === undefined ? {} : { "data-seq": id }) },
    h("span", { class: "seq" }, id === undefined ? "" : `#${id}`),
    h("span", { class: "type" }, type),
    h("pre", {}, body),
  );
}

function traceView(traceId: string | undefined, jaegerUrl: string | undefined): Node {
  if (typeof traceId !== "string" || traceId === "") {
    return h("span", { class: "muted", id: "trace" }, "not reported by the server");
  }
  if (jaegerUrl === undefined) return h("span", { class: "mono", id: "trace" }, traceId);
  const href = `${jaegerUrl.replace(/\/+$/, "")}/trace/${encodeURIComponent(traceId)}`;
  return h(
    "a",
    { class: "mono", id: "trace", href, target: "_blank", rel: "noopener noreferrer" },
    traceId,
  );
}

export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}
