import { z } from "zod";
import { EMPTY, catchError, config, tap } from "rxjs";
import { Event, StartEvent, StopEvent, Workflow, step } from "@eventloom/core";

// #region workflow
class Tick extends Event.define({ n: z.number() }) {
  static override typeName = "Tick";
}

class Ticker extends Workflow {
  tick = step({ accepts: [StartEvent], emits: [StopEvent] }, (_ev, ctx) => {
    for (let n = 1; n <= 3; n++) ctx.writeEventToStream(new Tick({ n }));
    return new StopEvent({ result: "ticked 3 times" });
  });
}
// #endregion workflow

// #region catch-error
const handler = new Ticker().run();
// The work that may throw runs inside the pipe, so its error is a notification that
// catchError handles, never an exception thrown out of a subscriber.
handler.events$
  .pipe(
    tap((ev) => {
      if (ev instanceof Tick && ev.n === 2) throw new Error("the chart broke on tick 2");
    }),
    catchError((error: Error) => {
      console.log(`chart stopped: ${error.message}`);
      return EMPTY;
    }),
  )
  .subscribe();
// Another consumer of the same run gets every event, and the run ends as usual.
const ticks: number[] = [];
for await (const ev of handler.streamEvents()) if (ev instanceof Tick) ticks.push(ev.n);
console.log(ticks, await handler); // [ 1, 2, 3 ] ticked 3 times
// #endregion catch-error

// #region on-unhandled-error
// Set once, at the application's start: where RxJS sends an error thrown by a subscriber's
// `next` (by default it rethrows it from a timer, which ends a Node process).
config.onUnhandledError = (error) => {
  console.log(`a stream consumer failed: ${error instanceof Error ? error.message : error}`);
};

const run = new Ticker().run();
run.events$.subscribe((ev) => {
  if (ev instanceof Tick) throw new Error(`cannot show tick ${ev.n}`);
});
console.log(await run); // ticked 3 times
// #endregion on-unhandled-error
