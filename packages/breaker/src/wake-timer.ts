import { ShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer, TimerHandle } from '@shn/core';

/**
 * What a {@link WakeTimer} calls when a client's wake-up time has come. `now` is monotonic ms.
 * Returns the next monotonic time the client wants to be woken, or undefined for none.
 */
export type WakeCallback = (now: number) => number | undefined;

/** A client's handle on a {@link WakeTimer}. */
export interface WakeClient {
  /** Asks to be woken at monotonic time `at` (an earlier pending request wins). */
  wakeAt(at: number): void;
  /** Stops waking this client. */
  cancel(): void;
}

interface Client {
  readonly fn: WakeCallback;
  at: number;
  active: boolean;
}

/** Options of {@link WakeTimer}. */
export interface WakeTimerOptions {
  /** Timer source [systemTimer]; its handles are `unref`'d so they never keep a process alive. */
  readonly timer?: Timer;
  /** Time source [systemClock]. */
  readonly clock?: Clock;
  /** The shortest delay it arms, ms [1]: wake-ups closer together than this are batched. */
  readonly resolutionMs?: number;
}

/**
 * One timer for many clients: the shared wake-up of every breaker of one or more groups.
 *
 * It keeps at most ONE timer armed, for the earliest time any client asked for, and none when no
 * client wants waking, so it never holds a process open or leaks a timer per breaker. Firing late
 * is harmless: clients read the clock when they are called.
 */
export class WakeTimer {
  readonly #timer: Timer;
  readonly #clock: Clock;
  readonly #resolution: number;
  readonly #clients = new Set<Client>();
  #handle: TimerHandle | undefined;
  #armedFor = Infinity;
  #firing = false;

  constructor(options: WakeTimerOptions = {}) {
    this.#timer = options.timer ?? systemTimer;
    this.#clock = options.clock ?? systemClock;
    const r = options.resolutionMs ?? 1;
    if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) {
      throw new ShnError('INVALID_ARGUMENT', `resolutionMs must be a finite number >= 0, got ${String(r)}`);
    }
    this.#resolution = r;
  }

  /** The time source the timer runs on. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Clients registered (a group counts as one, however many breakers it has). */
  get clients(): number {
    return this.#clients.size;
  }

  /** True while a timer is armed. */
  get armed(): boolean {
    return this.#handle !== undefined;
  }

  /** Registers a client; `fn` is called when its requested time has come. */
  register(fn: WakeCallback): WakeClient {
    if (typeof fn !== 'function') throw new ShnError('INVALID_ARGUMENT', 'register needs a callback');
    const c: Client = { fn, at: Infinity, active: true };
    this.#clients.add(c);
    return {
      wakeAt: (at) => {
        if (!c.active || !(at < c.at)) return;
        c.at = at;
        if (!this.#firing) this.#arm();
      },
      cancel: () => {
        c.active = false;
        c.at = Infinity;
        this.#clients.delete(c);
        if (!this.#firing) this.#arm();
      },
    };
  }

  #arm(): void {
    let earliest = Infinity;
    for (const c of this.#clients) if (c.at < earliest) earliest = c.at;
    if (earliest === this.#armedFor && this.#handle !== undefined) return;
    if (this.#handle !== undefined) {
      this.#timer.clearTimeout(this.#handle);
      this.#handle = undefined;
      this.#armedFor = Infinity;
    }
    if (earliest === Infinity) return;
    const delay = Math.max(this.#resolution, earliest - this.#clock.monotonic());
    this.#armedFor = earliest;
    const handle = this.#timer.setTimeout(() => this.#fire(handle), delay);
    this.#handle = handle;
    handle.unref?.();
  }

  #fire(handle: TimerHandle): void {
    if (this.#handle !== handle) return;
    this.#handle = undefined;
    this.#armedFor = Infinity;
    this.#firing = true;
    try {
      const now = this.#clock.monotonic();
      for (const c of [...this.#clients]) {
        if (!c.active || c.at > now) continue;
        c.at = Infinity;
        let next: number | undefined;
        try {
          next = c.fn(now);
        } catch {
          next = undefined;
        }
        if (c.active && next !== undefined && next < c.at) c.at = next;
      }
    } finally {
      this.#firing = false;
      this.#arm();
    }
  }
}
