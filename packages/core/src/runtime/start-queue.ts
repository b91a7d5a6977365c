// Runs start in a microtask after `run()` returns, so the caller holds the handler first.

/** What the queue starts. */
export interface Startable {
  start(): void;
}

// The runs started in one synchronous stretch share one microtask. Two arrays take turns, so
// sequential runs allocate no queue. A reaction on a settled promise rather than Node's
// queueMicrotask, which wraps each callback in an async resource (and a test's fake timers may
// replace it).
let startQueue: Startable[] = [];
let spareQueue: Startable[] = [];
const settled = Promise.resolve();

export function scheduleStart(run: Startable): void {
  startQueue.push(run);
  if (startQueue.length === 1) void settled.then(startQueued);
}

function startQueued(): void {
  const queue = startQueue;
  startQueue = spareQueue;
  spareQueue = queue;
  // Runs started by these runs' first steps go to the other array, with a microtask of their own.
  for (let i = 0; i < queue.length; i++) queue[i]!.start();
  if (queue.length === 1) queue.pop();
  else queue.length = 0;
}
