import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";
import { createServer } from "@eventloom/server";
import { z } from "zod";

class OrderStart extends StartEvent.define({ orderId: z.string() }) {}
class Priced extends Event.define({ orderId: z.string(), total: z.number() }, { name: "Priced" }) {}

class OrderWorkflow extends Workflow {
  price = step({ accepts: [OrderStart], emits: [Priced] }, (ev) => {
    return new Priced({ orderId: ev.orderId, total: 42 });
  });
  ship = step({ accepts: [Priced], emits: [StopEvent] }, (ev) => {
    return new StopEvent({ result: `${ev.orderId} shipped for ${ev.total}` });
  });
}

const server = createServer({ workflows: { order: new OrderWorkflow() }, token: "s3cret" });
const { url, close } = await server.listen({ port: 0 }); // port 0: any free port; url has it

const headers = { "content-type": "application/json", authorization: "Bearer s3cret" };
const res = await fetch(`${url}/workflows/order/runs?wait=true`, {
  method: "POST",
  headers,
  body: JSON.stringify({ input: { orderId: "o-1" } }),
});
console.log(res.status, await res.json()); // 200 { runId, workflow, status: "completed", result }

const bad = await fetch(`${url}/workflows/order/runs`, { method: "POST", headers, body: "{}" });
const { error } = (await bad.json()) as { error: { code: string; message: string } };
console.log(bad.status, error.code); // 400 INVALID_INPUT (orderId is missing)

await close();
