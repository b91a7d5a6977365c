import { Fifo } from "./fifo.js";

/** What a deadline calls when it passes (a run: no closure per run). */
export interface DeadlineTarget {
  onDeadline(): void;
}

/** A registered deadline: `cancel()` it when the run ends first. */
export interface Deadline {
  /** When it fires, on the `performance.now()` clock. */
  readonly at: number;
  cancel(): void;
}

class Entry implements Deadline {
  constructor(
    readonly at: number,
    public fire: DeadlineTarget | undefined,
    readonly group: Fifo<Entry>,
  ) {}

  cancel(): void {
    if (this.fire === undefined) return;
    this.fire = undefined;
    scheduler.cancelled(this);
  }
}

/** The platform's own `setTimeout`, to tell it from a test's fake one. */
const platformSetTimeout = globalThis.setTimeout;

/**
 * Run deadlines on one timer instead of one per run: arming and clearing a Node timer costs more
 * than a short run itself. Deadlines are grouped by duration; within a group they come in the
 * order they fire (a monotonic clock), so adding and cancelling are O(1) amortized. The timer is
 * armed for the earliest live deadline.
 *
 * When the last live deadline is cancelled, a platform timer that can be unref'd is unref'd
 * rather than cleared: it no longer keeps the process alive or counts as an active resource,
 * and the next run re-refs it instead of arming a new one (sequential runs pay no timer at all).
 * When it fires with nothing live it is simply gone. Any other timer (a test's fake one) is
 * cleared at once.
 */
class DeadlineScheduler {
  private readonly groups = new Map<number, Fifo<Entry>>();
  /** The group of the last deadline added, while it is in `groups`. */
  private lastMs = NaN;
  private lastGroup: Fifo<Entry> | undefined = undefined;
  private live = 0;
  /** Cancelled entries still queued: compacted away when they outnumber the live ones. */
  private dead = 0;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The deadline the timer is armed for. */
  private armedFor = Infinity;
  private armedWith: typeof setTimeout = globalThis.setTimeout;
  private clearWith: typeof clearTimeout = globalThis.clearTimeout;
  /** The timer is unref'd: armed, but for no live deadline. */
  private idle = false;

  add(ms: number, fire: DeadlineTarget): Deadline {
    const at = performance.now() + ms;
    // Runs mostly share one timeout: the group of the last one is checked before the map.
    let group = ms === this.lastMs ? this.lastGroup : this.groups.get(ms);
    if (group === undefined) this.groups.set(ms, (group = new Fifo()));
    this.lastMs = ms;
    this.lastGroup = group;
    const entry = new Entry(at, fire, group);
    group.push(entry);
    this.live++;
    this.ensureArmed(at);
    return entry;
  }

  stats(): { live: number; queued: number; armed: boolean } {
    let queued = 0;
    for (const group of this.groups.values()) queued += group.length;
    return { live: this.live, queued, armed: this.timer !== undefined && !this.idle };
  }

  cancelled(entry: Entry): void {
    this.live--;
    this.dead++;
    const group = entry.group;
    // Runs mostly end in the order they started, or the last one first: drop dead ends at once
    // (the last first, so a lone entry leaves its group empty, not shifted).
    while (group.length > 0 && group.peekLast()!.fire === undefined) {
      group.pop();
      this.dead--;
    }
    while (group.length > 0 && group.peek()!.fire === undefined) {
      group.shift();
      this.dead--;
    }
    if (this.live === 0) {
      // Nothing left to fire: release the timer (see above) and every queued entry. The group
      // just used stays for the next run (sequential runs then make no group each).
      const timer = this.timer as { unref?: () => unknown } | undefined;
      if (this.armedWith === platformSetTimeout && typeof timer?.unref === "function") {
        timer.unref();
        this.idle = true;
      } else this.disarm();
      if (this.groups.size > 1 || this.dead > 0) {
        for (const [ms, g] of this.groups) if (g !== group || g.length > 0) this.forget(ms);
        if (group.length > 0) group.clear();
        this.dead = 0;
      }
      return;
    }
    if (this.dead > 64 && this.dead > this.live) this.compact();
  }

  private forget(ms: number): void {
    this.groups.delete(ms);
    if (ms === this.lastMs) {
      this.lastMs = NaN;
      this.lastGroup = undefined;
    }
  }

  private compact(): void {
    for (const [ms, group] of this.groups) {
      group.retain((e) => e.fire !== undefined);
      if (group.length === 0) this.forget(ms);
    }
    this.dead = 0;
  }

  /** Makes sure the timer fires by `at`, on the current `setTimeout` (tests may fake it). */
  private ensureArmed(at: number): void {
    if (this.idle) {
      this.idle = false;
      if (this.armedWith === globalThis.setTimeout) {
        (this.timer as unknown as { ref(): unknown }).ref();
        if (at < this.armedFor) this.arm(at);
        return;
      }
    }
    if (this.timer !== undefined && this.armedWith !== globalThis.setTimeout) {
      // Timers were faked or restored since the timer was armed: move to the current ones.
      this.disarm();
      this.rearm();
    } else if (this.timer === undefined || at < this.armedFor) {
      this.arm(at);
    }
  }

  private arm(at: number): void {
    this.disarm();
    this.armedFor = at;
    this.armedWith = globalThis.setTimeout;
    this.clearWith = globalThis.clearTimeout;
    this.timer = setTimeout(() => this.onTimer(at), Math.max(0, Math.ceil(at - performance.now())));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clearWith(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    this.idle = false;
  }

  /**
   * Fires every deadline up to the one the timer was armed for (whatever the clock says: under
   * fake timers the timer's time passes and `performance.now()` may not), then re-arms.
   */
  private onTimer(armedFor: number): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.idle = false;
    const due = Math.max(armedFor, performance.now());
    const firing: DeadlineTarget[] = [];
    for (const [ms, group] of this.groups) {
      while (group.length > 0 && group.peek()!.at <= due) {
        const entry = group.shift()!;
        if (entry.fire === undefined) {
          this.dead--;
          continue;
        }
        firing.push(entry.fire);
        entry.fire = undefined;
        this.live--;
      }
      if (group.length === 0) this.forget(ms);
    }
    this.rearm();
    for (const target of firing) target.onDeadline();
  }

  private rearm(): void {
    let next = Infinity;
    for (const group of this.groups.values()) {
      // Skip dead heads so the timer is armed for a deadline that still matters.
      while (group.length > 0 && group.peek()!.fire === undefined) {
        group.shift();
        this.dead--;
      }
      const head = group.peek();
      if (head !== undefined && head.at < next) next = head.at;
    }
    if (next !== Infinity) this.arm(next);
  }
}

const scheduler = new DeadlineScheduler();

/** For tests: how many deadlines are live and how many cancelled ones are still queued. */
export function deadlineStats(): { live: number; queued: number; armed: boolean } {
  return scheduler.stats();
}

/** Calls `target.onDeadline()` in `ms` milliseconds unless the returned deadline is cancelled first. */
export function addDeadline(ms: number, target: DeadlineTarget): Deadline {
  return scheduler.add(ms, target);
}
