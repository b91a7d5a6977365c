// Runs a sample of the "Testing your workflows" page: docs/examples/testing-fake-timers.ts is a Vitest test
// module, and its tests run as this file's (one file per sample, so each one's hooks stay its own).
import "../examples/testing-fake-timers.js";
