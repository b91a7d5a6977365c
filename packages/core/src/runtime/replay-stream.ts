// A run's stream from a given index: a journaled run's earlier events come from its journal.
import { type Event, type EventJSON, StopEvent } from "../event.js";
import type { Journal } from "../journal.js";
import { foldJournal } from "./journal-records.js";
import type { RunState } from "./run-state.js";
import { reviveStreamed } from "./streamed-events.js";

/**
 * The stream from event `from` (0 = the first): a journaled run's earlier events come from its
 * journal, then the run's events as they are released. A run in memory only has no earlier
 * events to give: its stream is as `streamEvents()` gives it.
 */
export async function* replayStream(
  run: RunState,
  journal: Journal | undefined,
  from: number,
): AsyncGenerator<Event> {
  if (journal === undefined) {
    yield* { [Symbol.asyncIterator]: () => run.stream.iterate() };
    return;
  }
  // Attached first, so nothing released while the journal is read is missed. A first
  // consumer gets the backlog too: events from index `dropped` on, else from `delivered`.
  const stream = run.stream;
  const delivered = run.streamDelivered;
  let index = stream.hasAttached ? delivered : delivered - (run.streamInstance?.backlogLength ?? 0);
  const live = stream.iterate();
  // A run whose first checkpoint is not durable yet has streamed nothing durable either.
  const entries = await journal.read(run.runId);
  const journaled = entries.length === 0 ? [] : foldJournal(run.runId, entries).stream;
  const workflow = run.settings.workflow as { reviveEvent(json: EventJSON): Event };
  const revive = (json: EventJSON) => workflow.reviveEvent(json);
  for (let i = from; i < Math.min(delivered, journaled.length); i++) {
    yield reviveStreamed(run.settings.plan, revive, journaled[i]!);
  }
  const first = Math.max(from, delivered);
  for await (const ev of { [Symbol.asyncIterator]: () => live }) {
    if (!(ev instanceof StopEvent) && index++ < first) continue;
    yield ev;
  }
}
