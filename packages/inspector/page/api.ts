import { h } from "./dom.js";
import { SseParser, type SseMessage } from "./sse.js";

const TOKEN_KEY = "eventloom-inspector-token";

/** An error answer of the server: `{ error: { code, message } }`, or a network failure. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The server's public routes, relative to where the page is served (so it works when the server
 * is mounted under a prefix). With a token, the page asks for it once (on the first 401), keeps
 * it for the tab's session and sends it as `Authorization: Bearer`; SSE is read with `fetch`
 * because `EventSource` cannot send headers.
 */
export class Api {
  private token: string | undefined;
  private asking: Promise<void> | undefined;
  /** Told when a live stream is connected, and when it dropped and the page tries again. */
  onConnection: (state: "live" | "reconnecting") => void = () => {};

  constructor(private readonly base: URL) {
    this.token = sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  }

  async json<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const res = await this.fetch(path, {
      method: init.method ?? "GET",
      headers: {
        Accept: "application/json",
        ...(init.body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    if (text === "") return undefined as T;
    return JSON.parse(text) as T;
  }

  /**
   * Reads an SSE stream until it ends or `signal` aborts. Reconnects after a dropped connection
   * with `Last-Event-ID` while `reconnect()` says so (it is asked after each end of the stream).
   */
  async stream(
    path: string,
    onMessage: (m: SseMessage) => void,
    opts: { signal: AbortSignal; reconnect: () => boolean | Promise<boolean> },
  ): Promise<void> {
    let lastId: string | undefined;
    let delay = 500;
    while (!opts.signal.aborted) {
      const parser = new SseParser(onMessage);
      try {
        const res = await this.fetch(path, {
          headers: {
            Accept: "text/event-stream",
            ...(lastId === undefined ? {} : { "Last-Event-ID": lastId }),
          },
          signal: opts.signal,
        });
        if (res.body === null) break;
        this.onConnection("live");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.push(value);
          delay = 500;
        }
      } catch (err) {
        if (opts.signal.aborted) return;
        if (err instanceof ApiError && err.status !== 0 && err.status < 500) throw err;
      } finally {
        lastId = parser.lastEventId ?? lastId;
      }
      if (
        opts.signal.aborted ||
        !(await Promise.resolve()
          .then(opts.reconnect)
          .catch(() => true))
      )
        return;
      this.onConnection("reconnecting");
      await wait(delay, opts.signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    for (;;) {
      const headers = new Headers(init.headers);
      if (this.token !== undefined) headers.set("Authorization", `Bearer ${this.token}`);
      let res: Response;
      try {
        res = await fetch(new URL(path, this.base), { ...init, headers, cache: "no-store" });
      } catch (err) {
        if (init.signal?.aborted) throw err;
        throw new ApiError(0, "network", `The server did not answer (${String(err)}).`);
      }
      if (res.status === 401) {
        await this.askToken(this.token !== undefined);
        continue;
      }
      if (!res.ok) throw await errorOf(res);
      return res;
    }
  }

  /** One dialog for all requests that met a 401 at the same time. */
  private askToken(wrong: boolean): Promise<void> {
    this.asking ??= askForToken(wrong).then((token) => {
      this.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      this.asking = undefined;
    });
    return this.asking;
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, code, message);
}

function askForToken(wrong: boolean): Promise<string> {
  return new Promise((resolve) => {
    const input = h("input", {
      type: "password",
      name: "token",
      autocomplete: "current-password",
      required: true,
      "aria-label": "Token",
    });
    const form = h(
      "form",
      { class: "token-form", id: "token-form" },
      h("h2", {}, "This server needs a token"),
      h(
        "p",
        { class: "muted" },
        wrong
          ? "The token was not accepted. Enter the server's token again."
          : "Enter the token the server was created with. It is kept for this tab only.",
      ),
      input,
      h("button", { type: "submit" }, "Continue"),
    );
    const dialog = h("div", { class: "overlay", role: "dialog", "aria-modal": "true" }, form);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      dialog.remove();
      resolve(input.value);
    });
    document.body.append(dialog);
    input.focus();
  });
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = globalThis.setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        globalThis.clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
