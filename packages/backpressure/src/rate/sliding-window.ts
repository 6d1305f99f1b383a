import { systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkInt, checkPositive } from '../option-checks.js';
import { ForwardTime } from './forward-time.js';

/** Options of {@link SlidingWindowLimiter}. */
export interface SlidingWindowOptions {
  /** Requests allowed in any window (an integer in [1, 10^6]). */
  readonly limit: number;
  /** Window length, ms (finite, > 0). */
  readonly windowMs: number;
  readonly clock?: Clock;
}

/**
 * Sliding-window log: remembers the times of the last `limit` admissions and admits a request
 * only if fewer than `limit` fall in the last `windowMs`. Exact: no window of `windowMs`
 * (anywhere, not just on boundaries) ever holds more than `limit` admissions, which fixed
 * windows (2x at a boundary) and the two-counter approximation cannot promise. Memory: 8 bytes
 * per unit of `limit`.
 */
export class SlidingWindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly #times: Float64Array;
  readonly #time: ForwardTime;
  #head = 0;
  #count = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a limit outside [1, 10^6] or a window that is not finite and > 0. */
  constructor(options: SlidingWindowOptions) {
    this.limit = checkInt('limit', options?.limit, 1, 1_000_000);
    this.windowMs = checkPositive('windowMs', options.windowMs);
    this.#times = new Float64Array(this.limit);
    this.#time = new ForwardTime(options.clock ?? systemClock);
  }

  /** Admits one request if the window has room. */
  tryAcquire(): boolean {
    const now = this.#time.now();
    this.#evict(now);
    if (this.#count >= this.limit) return false;
    this.#times[(this.#head + this.#count) % this.limit] = now;
    this.#count++;
    return true;
  }

  /** Admissions in the current window. */
  get used(): number {
    this.#evict(this.#time.now());
    return this.#count;
  }

  /** Milliseconds until one more request would be admitted (0 if now). */
  msUntil(): number {
    const now = this.#time.now();
    this.#evict(now);
    if (this.#count < this.limit) return 0;
    return (this.#times[this.#head] as number) + this.windowMs - now;
  }

  #evict(now: number): void {
    while (this.#count > 0 && (this.#times[this.#head] as number) <= now - this.windowMs) {
      this.#head = (this.#head + 1) % this.limit;
      this.#count--;
    }
  }
}
