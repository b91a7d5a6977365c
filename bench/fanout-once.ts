// One fan-out run of an engine, timed and checked: never more than `workers` at once, and with
// I/O exactly `workers` (the hot bench and the cold children both measure fan-out through it).
import { timed } from "./sample.js";
import { type Engine, Probe } from "./scenarios.js";

export async function fanoutOnce(
  e: Engine,
  n: number,
  workers: number,
  ioMs: number,
): Promise<number> {
  const probe = new Probe();
  const ms = await timed(`${e.name} fanout`, n, () => e.fanout(n, workers, ioMs, probe));
  if (probe.maxActive > workers) {
    throw new Error(
      `${e.name} fanout: ${probe.maxActive} workers ran at once; the limit is ${workers}`,
    );
  }
  if (ioMs > 0 && n >= workers && probe.maxActive !== workers) {
    throw new Error(`${e.name} fanout: only ${probe.maxActive} of ${workers} workers ran at once`);
  }
  return ms;
}
