// The load generator of the http scenario, in a process of its own (so it does not share the
// event loop of the servers it measures): it runs autocannon for each job the parent sends over
// IPC and sends back autocannon's result. One process for the whole scenario: starting
// autocannon costs about a second of CPU on a loaded machine.
import autocannon from "autocannon";

process.on("message", (job) => {
  autocannon(
    {
      url: job.url,
      connections: job.connections,
      amount: job.amount,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: job.body,
      timeout: 30,
    },
    (error, result) => {
      if (error) process.send({ error: String(error?.stack ?? error) });
      else process.send({ result });
    },
  );
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
