import { ENGINE_LABELS, type EngineName } from "./scenarios.js";

const ENGINES: readonly EngineName[] = ["floor", "eventloom", "llamaindex"];

/** How a row's values read: a cost per unit of work (ns), a wall time (ms), bytes, or a ratio. */
export type Kind = "ns" | "ms" | "bytes" | "ratio";

/** One engine's figure in a row: the median of the measured repetitions, and the samples. */
export interface Measured {
  readonly median: number;
  readonly samples: readonly number[];
}

export interface Row {
  /** The scenario name as `--only` takes it. */
  readonly scenario: string;
  /** What the row shows, e.g. "chain (10 steps x 2000 runs)". */
  readonly label: string;
  /** "per step", "per event", "wall", "per run", "10x / 1x". */
  readonly unit: string;
  readonly kind: Kind;
  readonly values: Partial<Record<EngineName, Measured | string>>;
  /** Printed under the table: why a row was skipped, what a figure includes. */
  readonly note?: string;
}

export interface Target {
  readonly name: string;
  /** The measured figure the target is about. */
  readonly value: number | undefined;
  readonly limit: string;
  readonly pass: boolean | undefined;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function measured(samples: readonly number[]): Measured {
  return { median: median(samples), samples };
}

/** The median of one engine in a row, if it was measured. */
export function valueOf(row: Row | undefined, engine: EngineName): number | undefined {
  const v = row?.values[engine];
  return typeof v === "object" ? v.median : undefined;
}

export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

/**
 * Eventloom over the floor: the median of the ratios of paired repetitions (repetition i of
 * each, run back to back), which a machine slowing down and speeding up affects far less than
 * the ratio of the two medians. Rows without paired samples fall back to the ratio of medians.
 */
export function pairedRatio(
  row: Row | undefined,
  a: EngineName,
  b: EngineName,
): number | undefined {
  const x = row?.values[a];
  const y = row?.values[b];
  if (typeof x !== "object" || typeof y !== "object")
    return ratio(valueOf(row, a), valueOf(row, b));
  if (x.samples.length !== y.samples.length || x.samples.length < 2 || y.samples.includes(0))
    return ratio(x.median, y.median);
  return median(x.samples.map((v, i) => v / y.samples[i]!));
}

function format(kind: Kind, v: Measured | string | undefined): string {
  if (v === undefined) return "-";
  if (typeof v === "string") return v;
  const x = v.median;
  switch (kind) {
    case "ns":
      return x >= 1e6
        ? `${(x / 1e6).toFixed(2)} ms`
        : x >= 1000
          ? `${(x / 1000).toFixed(2)} µs`
          : `${x.toFixed(0)} ns`;
    case "ms":
      return `${x.toFixed(1)} ms`;
    case "bytes":
      return x >= 1024 * 1024
        ? `${(x / 1024 / 1024).toFixed(2)} MB`
        : `${(x / 1024).toFixed(2)} KB`;
    case "ratio":
      return `${x.toFixed(2)}x`;
  }
}

function formatRatio(x: number | undefined): string {
  return x === undefined ? "-" : `${x.toFixed(2)}x`;
}

/** Ratio columns make sense for costs and memory, not for rows that are themselves ratios. */
function rowRatios(row: Row): [string, string] {
  if (row.kind === "ratio") return ["", ""];
  const el = valueOf(row, "eventloom");
  return [
    formatRatio(pairedRatio(row, "eventloom", "floor")),
    formatRatio(ratio(valueOf(row, "llamaindex"), el)),
  ];
}

/** The table as Markdown, so the terminal output can be pasted into the README unchanged. */
export function renderTable(rows: readonly Row[]): string {
  const header = [
    "scenario",
    "unit",
    ...ENGINES.map((e) => ENGINE_LABELS[e]),
    "eventloom / floor",
    "llamaindex / eventloom",
  ];
  const body = rows.map((row) => [
    row.label,
    row.unit,
    ...ENGINES.map((e) => format(row.kind, row.values[e])),
    ...rowRatios(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

export function renderTargets(targets: readonly Target[]): string {
  return targets
    .map((t) => {
      const verdict = t.pass === undefined ? "n/a " : t.pass ? "PASS" : "FAIL";
      const value = t.value === undefined ? "not measured" : `${t.value.toFixed(2)}`;
      return `${verdict}  ${t.name}: ${value} (target ${t.limit})`;
    })
    .join("\n");
}

/** Engine rows checked against the floor and the peer. */
const COMPARED = ["chain", "loop", "fanout", "concurrent_runs", "stream"] as const;

/** Every target of the benchmark, judged on the rows that were measured. */
export function judge(rows: readonly Row[]): Target[] {
  const row = (label: string) => rows.find((r) => r.label.startsWith(label));
  const targets: Target[] = [];
  const check = (
    name: string,
    value: number | undefined,
    limit: string,
    ok: (v: number) => boolean,
  ) => targets.push({ name, value, limit, pass: value === undefined ? undefined : ok(value) });
  for (const scenario of COMPARED) {
    const r = row(`${scenario} `);
    check(
      `${scenario}: eventloom / floor`,
      pairedRatio(r, "eventloom", "floor"),
      "<= 2",
      (v) => v <= 2,
    );
    check(
      `${scenario}: llamaindex / eventloom`,
      ratio(valueOf(r, "llamaindex"), valueOf(r, "eventloom")),
      ">= 10",
      (v) => v >= 10,
    );
  }
  // The cold table (`--cold`): the same scenarios, each in fresh processes after a 10 % warm-up.
  for (const scenario of [...COMPARED, "fanout_io"]) {
    check(
      `cold ${scenario}: eventloom / floor`,
      pairedRatio(row(`cold ${scenario} `), "eventloom", "floor"),
      "<= 2.5",
      (v) => v <= 2.5,
    );
  }
  check(
    "fanout with 1 ms I/O: eventloom wall / floor wall",
    pairedRatio(row("fanout_io "), "eventloom", "floor"),
    "<= 1.1",
    (v) => v <= 1.1,
  );
  check(
    "scale loop: cost of 10x work / 10 x cost of 1x work",
    valueOf(row("scale loop growth"), "eventloom"),
    "<= 1.2 (10x work in at most 12x time)",
    (v) => v <= 1.2,
  );
  check(
    "scale fanout: cost of 10x work / 10 x cost of 1x work",
    valueOf(row("scale fanout growth"), "eventloom"),
    "<= 1.2 (10x work in at most 12x time)",
    (v) => v <= 1.2,
  );
  check(
    "http POST ?wait=true of a 3-step run: eventloom / bare Hono route with the 3 steps as calls",
    pairedRatio(row("http POST "), "eventloom", "floor"),
    "<= 1.3",
    (v) => v <= 1.3,
  );
  check(
    "sse delivery of one run's stream: eventloom / bare Hono streamSSE route",
    pairedRatio(row("sse GET "), "eventloom", "floor"),
    "<= 1.5",
    (v) => v <= 1.5,
  );
  check(
    "sse delivery, against streamSSE writing the same frames in batches",
    pairedRatio(row("sse against a floor writing"), "eventloom", "floor"),
    "<= 1.5",
    (v) => v <= 1.5,
  );
  const idle = valueOf(row("idle_memory "), "eventloom");
  check(
    "idle run memory, KB per run",
    idle === undefined ? undefined : idle / 1024,
    "< 20",
    (v) => v < 20,
  );
  return targets;
}
