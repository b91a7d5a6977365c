// One formatter each: toLocaleTimeString() builds a new one per call, which is what made a
// thousand rows slow to render.
const TIME = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const DATE = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

/** A time as the page shows it: the clock time today, the date and time otherwise. */
export function formatTime(value: string | number | undefined, now = Date.now()): string {
  const t = toMs(value);
  if (t === undefined) return "—";
  const time = TIME.format(t);
  const day = DATE.format(t);
  return day === DATE.format(now) ? time : `${day} ${time}`;
}

/** A duration in the largest units that keep it short: 850 ms, 4.2 s, 3 m 05 s, 2 h 10 m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} m`;
}

/** Milliseconds since the epoch from an ISO string or a number; undefined when unreadable. */
export function toMs(value: string | number | undefined | null): number | undefined {
  if (value === undefined || value === null) return undefined;
  const t = typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** JSON for display: pretty, and never throws (cycles cannot come from JSON, but be safe). */
export function formatJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Statuses after which a run changes no more. */
export const SETTLED = new Set(["completed", "failed", "timed_out", "cancelled"]);
