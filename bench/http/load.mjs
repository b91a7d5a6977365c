// The load generator of the http scenario, in a process of its own (so it does not share the
// event loop of the servers it measures): it runs autocannon for each job the parent sends over
// IPC and sends back autocannon's result. One process for the whole scenario: starting
// autocannon costs about a second of CPU on a loaded machine.
//
// The wall time is taken here, from the start of the load to the last response: autocannon's own
// `start`/`finish` are not it, since with `amount` it notices that it is done only at its next
// sample tick (`sampleInt`, 1 s by default), which rounded every measurement up to whole seconds.
// The latency percentiles are computed here too, from each response's time as autocannon measures
// it (process.hrtime, in ms with decimals); its own histogram keeps whole milliseconds.
import autocannon from "autocannon";

process.on("message", (job) => {
  const t0 = performance.now();
  let last = t0;
  const latencies = [];
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      amount: job.amount,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: job.body,
      timeout: 30,
      sampleInt: 100,
    },
    (error, result) => {
      if (error) process.send({ error: String(error?.stack ?? error) });
      else {
        latencies.sort((a, b) => a - b);
        const at = (q) =>
          latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
        process.send({
          result: { ...result, wallMs: last - t0, latencyMs: { p50: at(0.5), p99: at(0.99) } },
        });
      }
    },
  );
  instance.on("response", (_client, _status, _bytes, ms) => {
    last = performance.now();
    latencies.push(ms);
  });
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
