// The floor's cold start: a fresh Node process runs a 3-step chain written by hand (no imports),
// then prints what it measured on its own clock (ms since the process started) as one JSON line.
const loaded = performance.now();

/** A chain of async steps: each adds 1 to the value it is given and hands it to the next. */
function chain(steps) {
  const handlers = [];
  for (let k = 0; k < steps; k++) handlers.push(async (i) => i + 1);
  return async (i) => {
    for (const handler of handlers) i = await handler(i);
    return i;
  };
}

const result = await chain(3)(0);
const done = performance.now();
process.stdout.write(`${JSON.stringify({ result, importMs: null, runMs: done - loaded })}\n`);
