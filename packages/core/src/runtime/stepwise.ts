// Stepwise runs (`runStep()`): every ready invocation runs, their output waits for the next round.
import { WorkflowRuntimeError } from "../errors.js";
import { type Event, StopEvent } from "../event.js";
import { RunInvocation } from "./invocation.js";
import type { Round } from "./run-state.js";

export abstract class RunStepwise extends RunInvocation {
  /** A run resumed from a snapshot: starts again what was in flight (the first round's work). */
  protected abstract resumeRestored(): void;

  async runStep(): Promise<Event[] | null> {
    if (this.settled) {
      if (this.status === "failed" || this.status === "timed_out") throw this.failure;
      return null;
    }
    if (this.round !== undefined) {
      throw new WorkflowRuntimeError(
        "runStep() was called while the previous round is still running: await each runStep() before the next",
      );
    }
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const round: Round = { seq: 0, produced: [], resolve, reject };
    this.round = round;
    this.resumeRestored();
    const held = this.pending ?? [];
    this.pending = undefined;
    if (!this.started) {
      this.started = true;
      this.route(this.startEvent, undefined, undefined, undefined);
    }
    for (const env of held) this.route(env.event, env.link, env.target, undefined);
    const steps = this.settings.plan.steps;
    for (let i = 0; i < steps.length; i++) {
      this.budgets![i] = this.pools?.[i]?.queued ?? 0;
      this.pump(steps[i]!);
    }
    this.checkRound();
    try {
      await done;
    } finally {
      this.round = undefined;
    }
    const produced = round.produced.sort((a, b) => a.seq - b.seq).map((p) => p.env);
    if (!this.settled)
      (this.pending ??= []).push(...produced.filter((e) => !(e.event instanceof StopEvent)));
    return produced.map((e) => e.event);
  }

  checkRound(): void {
    const round = this.round;
    if (round === undefined) return;
    if (this.settled) {
      if (this.status === "failed" || this.status === "timed_out" || this.status === "cancelled")
        round.reject(this.failure);
      else round.resolve();
      return;
    }
    if (this.inflight === 0) round.resolve();
  }
}
