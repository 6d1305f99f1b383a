/**
 * Virtual time for tests: a Clock and a Timer that only move when the test advances them, and
 * that count the timers armed at any moment (for the one-timer test).
 */
import type { Clock, Timer, TimerHandle } from '@shn/core';

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A virtual clock + timer pair. `now()` is `epoch + monotonic()`. */
export class VirtualTime {
  #mono = 0;
  readonly epoch: number;
  #seq = 0;
  readonly #pending = new Map<TimerHandle, Pending>();
  /** Most timers pending at once, ever. */
  maxArmed = 0;
  /** Timers ever armed. */
  created = 0;

  constructor(epoch = 1_700_000_000_000) {
    this.epoch = epoch;
  }

  readonly clock: Clock = {
    now: () => this.epoch + this.#mono,
    monotonic: () => this.#mono,
  };

  readonly timer: Timer = {
    setTimeout: (fn, ms) => {
      const handle: TimerHandle = { unref: () => {} };
      this.#pending.set(handle, { at: this.#mono + Math.max(0, ms), seq: this.#seq++, fn });
      this.created++;
      this.maxArmed = Math.max(this.maxArmed, this.#pending.size);
      return handle;
    },
    clearTimeout: (handle) => {
      this.#pending.delete(handle);
    },
  };

  /** Timers pending now. */
  get armed(): number {
    return this.#pending.size;
  }

  /** Monotonic ms now. */
  get mono(): number {
    return this.#mono;
  }

  /** Moves time forward by `ms`, firing due timers in order (and letting microtasks run between them). */
  async advance(ms: number): Promise<void> {
    const target = this.#mono + ms;
    for (;;) {
      await flush();
      let next: [TimerHandle, Pending] | undefined;
      for (const e of this.#pending) {
        if (e[1].at <= target && (next === undefined || e[1].at < next[1].at || (e[1].at === next[1].at && e[1].seq < next[1].seq))) next = e;
      }
      if (next === undefined) break;
      this.#pending.delete(next[0]);
      this.#mono = Math.max(this.#mono, next[1].at);
      next[1].fn();
    }
    this.#mono = target;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
