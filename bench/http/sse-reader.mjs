// The SSE client of the sse scenario, in a process of its own (so reading and parsing do not
// share the event loop of the servers measured). For each job the parent sends over IPC it reads
// one stream to its end with fetch and a plain SSE parser, checks every frame (ids in order, the
// event name matching the data's type, Tick i counting up from 0, then the StopEvent) and sends
// back the time on its own clock and what it read.
/* global fetch */
import { TextDecoder } from "node:util";

const decoder = new TextDecoder();

/** Reads an SSE body to its end; returns the ticks read and the StopEvent's result. */
async function read(res) {
  if (res.status !== 200) throw new Error(`GET events: ${res.status} ${await res.text()}`);
  let buffer = "";
  let ticks = 0;
  let frames = 0;
  let result;
  let ended = false;
  const frame = (text) => {
    let event = "message";
    let data;
    let id;
    for (const line of text.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1));
      if (field === "event") event = value;
      else if (field === "data") data = data === undefined ? value : `${data}\n${value}`;
      else if (field === "id") id = value;
    }
    if (data === undefined) {
      if (text === ": end") ended = true;
      return;
    }
    if (id !== String(frames)) throw new Error(`frame ${frames} has id ${id}`);
    frames++;
    const json = JSON.parse(data);
    if (json.type !== event) throw new Error(`event ${event} carries type ${json.type}`);
    if (event === "Tick") {
      if (json.data.i !== ticks) throw new Error(`Tick ${json.data.i} where ${ticks} was due`);
      ticks++;
    } else if (event === "StopEvent") result = json.data.result;
    else throw new Error(`unexpected event ${event}`);
  };
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) !== -1) {
      frame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  if (buffer !== "") throw new Error(`the stream ended inside a frame: ${JSON.stringify(buffer)}`);
  return { ticks, result, ended };
}

async function floorRound(job) {
  const t0 = performance.now();
  const read$ = await read(await fetch(job.url));
  return { ms: performance.now() - t0, ...read$ };
}

async function eventloomRound(job) {
  const started = await fetch(`${job.url}/workflows/ticker/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: {} }),
  });
  const answer = await started.json();
  if (started.status !== 201) throw new Error(`start: ${started.status} ${JSON.stringify(answer)}`);
  const t0 = performance.now();
  const reading = fetch(`${job.url}/runs/${answer.runId}/events`).then(read);
  const gate = await fetch(`${job.url}/runs/${answer.runId}/events`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "Gate", data: {} }),
  });
  if (gate.status !== 202) throw new Error(`Gate: ${gate.status} ${await gate.text()}`);
  const read$ = await reading;
  return { ms: performance.now() - t0, ...read$ };
}

process.on("message", (job) => {
  (job.side === "floor" ? floorRound(job) : eventloomRound(job)).then(
    (result) => process.send({ result }),
    (error) => process.send({ error: String(error?.stack ?? error) }),
  );
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
