// A journaled run's side of the journal: its checkpoints, their commits, its claim.
import type { Event, EventJSON } from "../event.js";
import type { JournalEntry } from "../journal.js";
import { type CheckpointRecord, RECORD_VERSION } from "./journal-records.js";
import { type JournalWriter, type JournaledRun } from "./journal-writer.js";
import type { JournalLink } from "./run-state.js";
import type { RunSnapshot } from "./snapshot.js";

/** What a durable run asks of its run (the run implements it). */
export interface DurableHost {
  readonly runId: string;
  readonly settled: boolean;
  readonly unreleased: Event[] | undefined;
  readonly inbound: readonly unknown[] | undefined;
  holdWork: boolean;
  snapshot(): RunSnapshot;
  /** The checkpoint holding `streamed` stream events and `inbound` events is durable. */
  afterCommit(streamed: number, inbound: number, last: boolean): void;
  /** The journal failed the run (the run fails with `error`). */
  journalFailed(error: unknown): void;
  /** `handler.sendEvent` of the run. */
  sendFromOutside(event: Event, step: string | undefined): void;
}

export class DurableRun implements JournaledRun, JournalLink {
  private queued = false;
  private taken: { streamed: number; inbound: number; settled: boolean } | undefined;
  private waiting: (() => void)[] | undefined = undefined;
  private stopped = false;

  constructor(
    private readonly host: DurableHost,
    private readonly writer: JournalWriter,
    private readonly workflow: string,
    /** The seq of the run's next entry (0 for a new run). */
    private seq: number,
    /** Its id was made up here (no user's runId, no snapshot's): nobody else can hold it. */
    readonly freshId = false,
  ) {
    writer.adopt(this);
  }

  get runId(): string {
    return this.host.runId;
  }

  /** Sends an event to the run from outside; resolves once it is durable. */
  send(event: Event, step: string | undefined): Promise<void> {
    this.host.sendFromOutside(event, step);
    return this.durable();
  }

  get isNew(): boolean {
    return this.seq === 0;
  }

  /** The checkpoint taken last is the run's end. */
  get lastTaken(): boolean {
    return this.taken?.settled === true;
  }

  changed(): void {
    if (this.stopped) return;
    this.host.holdWork = true;
    if (this.queued) return;
    this.queued = true;
    this.writer.enqueue(this);
  }

  /** Resolves once everything changed so far is durable. */
  durable(): Promise<void> {
    // A new run's header is not durable until its first checkpoint is, even before it starts.
    if (this.stopped || (!this.queued && this.taken === undefined && this.seq > 0))
      return Promise.resolve();
    return new Promise((resolve) => (this.waiting ??= []).push(resolve));
  }

  checkpoint(): JournalEntry {
    this.queued = false;
    const host = this.host;
    const snapshot = host.snapshot();
    const streamed: EventJSON[] = (host.unreleased ?? []).map((e) => e.toJSON());
    this.taken = {
      streamed: streamed.length,
      inbound: host.inbound?.length ?? 0,
      settled: host.settled,
    };
    const record: CheckpointRecord = { t: "checkpoint", v: RECORD_VERSION, snapshot, streamed };
    const seq = this.seq++;
    return {
      runId: host.runId,
      seq,
      at: Date.now(),
      ...(seq === 0 ? { workflow: this.workflow } : {}),
      ...(seq === 0 || snapshot.status !== "running" ? { status: snapshot.status } : {}),
      record,
    };
  }

  committed(): void {
    const taken = this.taken!;
    this.taken = undefined;
    // Work is held again if the run changed while this checkpoint was being written.
    if (!this.queued) this.host.holdWork = false;
    this.host.afterCommit(taken.streamed, taken.inbound, taken.settled);
    if (taken.settled) this.stop();
    if (!this.queued && this.waiting !== undefined) {
      const waiting = this.waiting;
      this.waiting = undefined;
      for (const resolve of waiting) resolve();
    }
  }

  failed(error: unknown): void {
    this.seq = Math.max(this.seq - (this.taken === undefined ? 0 : 1), 0);
    this.taken = undefined;
    this.queued = false;
    if (this.stopped) return;
    this.stop();
    this.host.journalFailed(error);
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.writer.release(this);
    const waiting = this.waiting;
    this.waiting = undefined;
    for (const resolve of waiting ?? []) resolve();
  }
}
