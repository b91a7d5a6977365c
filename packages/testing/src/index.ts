export {
  testRun,
  type TestRunOptions,
  type TestRunResult,
  type MockSteps,
  type MockStep,
} from "./test-run.js";
export { recordSpans, type SpanRecorder } from "./record-spans.js";
