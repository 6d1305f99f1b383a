import { ShnError } from '@shn/core';
import type { Clock, Timer, TimerHandle } from '@shn/core';

interface PendingTimer extends TimerHandle {
  readonly due: number;
  readonly order: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time for a replay: a {@link Clock} and {@link Timer} that only move when the
 * replay moves them. Give it to the replay target (e.g. an actor host's `clock`/`timer`) so
 * actor timers fire at the same virtual moments on every replay.
 */
export class ReplayTime implements Clock, Timer {
  #now: number;
  readonly #start: number;
  #order = 0;
  readonly #timers: PendingTimer[] = [];

  /** @param startMs - the initial wall time, epoch ms (a replay starts at the first envelope's time). */
  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new ShnError('INVALID_ARGUMENT', `startMs must be finite, got ${String(startMs)}`);
    this.#now = startMs;
    this.#start = startMs;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#now - this.#start;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: PendingTimer = { due: this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0), order: this.#order++, fn, cancelled: false };
    this.#timers.push(t);
    return t;
  }

  clearTimeout(handle: TimerHandle): void {
    const t = handle as PendingTimer;
    if (this.#timers.includes(t)) t.cancelled = true;
  }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /**
   * Moves time forward to `ms` (never backwards), firing due timers in (due time, creation)
   * order, with the clock set to each timer's due time while it runs. Awaits a microtask
   * flush after each timer so promise chains it starts can settle.
   * @returns how many timers fired.
   */
  async advanceTo(ms: number): Promise<number> {
    let fired = 0;
    for (;;) {
      let best: PendingTimer | undefined;
      for (const t of this.#timers) {
        if (t.cancelled || t.due > ms) continue;
        if (best === undefined || t.due < best.due || (t.due === best.due && t.order < best.order)) best = t;
      }
      if (best === undefined) break;
      this.#timers.splice(this.#timers.indexOf(best), 1);
      if (best.due > this.#now) this.#now = best.due;
      best.fn();
      fired++;
      await flushMicrotasks();
    }
    if (ms > this.#now) this.#now = ms;
    for (let i = this.#timers.length - 1; i >= 0; i--) if ((this.#timers[i] as PendingTimer).cancelled) this.#timers.splice(i, 1);
    return fired;
  }
}

/** Lets queued promise callbacks run (a bounded number of microtask turns). @internal */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
