import { MAX_TIMER_DELAY } from "./timers.js";
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

/** A deadline in its group's list; cancelling unlinks it at once (no dead entries to skip). */
class Entry implements Deadline {
  prev: Entry | undefined = undefined;
  next: Entry | undefined = undefined;

  constructor(
    readonly at: number,
    public target: DeadlineTarget | undefined,
    readonly group: Group,
  ) {}

  cancel(): void {
    if (this.target === undefined) return;
    this.target = undefined;
    scheduler.cancelled(this);
  }
}

/**
 * The live deadlines of one duration, in the order they fire (added on a monotonic clock, so
 * each new one goes last): a doubly linked list, O(1) to add and to remove from anywhere.
 */
class Group {
  head: Entry | undefined = undefined;
  tail: Entry | undefined = undefined;
  size = 0;

  constructor(readonly ms: number) {}

  append(entry: Entry): void {
    entry.prev = this.tail;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    this.size++;
  }

  remove(entry: Entry): void {
    const { prev, next } = entry;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    entry.prev = entry.next = undefined;
    this.size--;
  }
}

/** The platform's own `setTimeout`, to tell it from a test's fake one. */
const platformSetTimeout = globalThis.setTimeout;

/**
 * Run deadlines on one timer instead of one per run: arming and clearing a Node timer costs more
 * than a short run itself. Deadlines are grouped by duration; within a group they come in the
 * order they fire, so adding and cancelling are O(1). The timer is armed for the earliest one.
 *
 * When the last live deadline is cancelled, a platform timer that can be unref'd is unref'd
 * rather than cleared: it no longer keeps the process alive or counts as an active resource,
 * and the next run re-refs it instead of arming a new one (sequential runs pay no timer at all).
 * When it fires with nothing live it is simply gone. Any other timer (a test's fake one) is
 * cleared at once.
 */
class DeadlineScheduler {
  private readonly groups = new Map<number, Group>();
  /** The group of the last deadline added: runs mostly share one timeout. */
  private lastGroup: Group | undefined = undefined;
  private live = 0;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** The deadline the timer is armed for. */
  private armedFor = Infinity;
  private armedWith: typeof setTimeout = globalThis.setTimeout;
  private clearWith: typeof clearTimeout = globalThis.clearTimeout;
  /** The timer is unref'd: armed, but for no live deadline. */
  private idle = false;

  add(ms: number, target: DeadlineTarget): Deadline {
    const at = performance.now() + ms;
    let group = this.lastGroup;
    if (group === undefined || group.ms !== ms) {
      // The group left behind goes if empty (it stayed for being the last one).
      if (group !== undefined && group.size === 0) this.groups.delete(group.ms);
      group = this.groups.get(ms);
      if (group === undefined) this.groups.set(ms, (group = new Group(ms)));
      this.lastGroup = group;
    }
    const entry = new Entry(at, target, group);
    group.append(entry);
    this.live++;
    this.ensureArmed(at);
    return entry;
  }

  stats(): { live: number; queued: number; armed: boolean } {
    let queued = 0;
    for (const group of this.groups.values()) queued += group.size;
    return { live: this.live, queued, armed: this.timer !== undefined && !this.idle };
  }

  cancelled(entry: Entry): void {
    const group = entry.group;
    group.remove(entry);
    this.live--;
    if (group.size === 0 && group !== this.lastGroup) this.groups.delete(group.ms);
    if (this.live === 0) {
      // Nothing left to fire: release the timer (see above).
      const timer = this.timer as { unref?: () => unknown } | undefined;
      if (this.armedWith === platformSetTimeout && typeof timer?.unref === "function") {
        timer.unref();
        this.idle = true;
      } else this.disarm();
    }
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
    const delay = Math.max(0, Math.ceil(at - performance.now()));
    // Platform timers hold at most 2^31-1 ms (longer ones fire at once): wait longer in chunks.
    const chunked = delay > MAX_TIMER_DELAY;
    this.timer = globalThis.setTimeout(
      () => (chunked ? this.rechunk(at) : this.onTimer(at)),
      chunked ? MAX_TIMER_DELAY : delay,
    );
  }

  private disarm(): void {
    // Called as a method of globalThis: browsers throw "Illegal invocation" for a detached call.
    if (this.timer !== undefined) this.clearWith.call(globalThis, this.timer);
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
    const firing: { at: number; target: DeadlineTarget }[] = [];
    let groupsFiring = 0;
    for (const group of this.groups.values()) {
      const before = firing.length;
      for (let e = group.head; e !== undefined && e.at <= due; e = group.head) {
        firing.push({ at: e.at, target: e.target! });
        e.target = undefined;
        group.remove(e);
        this.live--;
      }
      if (firing.length > before) groupsFiring++;
      if (group.size === 0 && group !== this.lastGroup) this.groups.delete(group.ms);
    }
    this.rearm();
    // A late timer (a busy process) finds deadlines of several durations due at once: they
    // still fire in the order they fell due. Each group is in order already.
    if (groupsFiring > 1) firing.sort((a, b) => a.at - b.at);
    for (const { target } of firing) target.onDeadline();
  }

  /** A chunk of a long wait has passed: wait on for the rest (nothing fires before its time). */
  private rechunk(at: number): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.arm(at);
  }

  private rearm(): void {
    let next = Infinity;
    for (const group of this.groups.values()) {
      const head = group.head;
      if (head !== undefined && head.at < next) next = head.at;
    }
    if (next !== Infinity) this.arm(next);
  }
}

const scheduler = new DeadlineScheduler();

/** For tests: how many deadlines are live and how many entries are queued (the same now). */
export function deadlineStats(): { live: number; queued: number; armed: boolean } {
  return scheduler.stats();
}

/** Calls `target.onDeadline()` in `ms` milliseconds unless the returned deadline is cancelled first. */
export function addDeadline(ms: number, target: DeadlineTarget): Deadline {
  return scheduler.add(ms, target);
}
