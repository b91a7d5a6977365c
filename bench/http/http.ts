import type { Row } from "../report.js";
import type { Sizes } from "../scenarios.js";

export async function httpScenario(_s: Sizes, _log: (line: string) => void): Promise<Row[]> {
  return [];
}
