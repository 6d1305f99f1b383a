import { systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkInt, checkPositive } from '../option-checks.js';
import { ForwardTime } from './forward-time.js';

/** Options of {@link LeakyBucket}. */
export interface LeakyBucketOptions {
  /** Requests leaving the bucket per second (finite, > 0). */
  readonly ratePerSec: number;
  /** Requests the bucket holds waiting their turn (an integer >= 1). */
  readonly capacity: number;
  readonly clock?: Clock;
}

/**
 * Leaky bucket as a shaper (the virtual-scheduling form of GCRA): requests leave at exactly one
 * per `1000 / ratePerSec` ms. {@link tryReserve} gives a request its slot and says how long to
 * wait for it, or refuses it when `capacity` requests are already waiting. Unlike a token bucket
 * it never lets a burst through: over any interval of w ms at most `1 + ratePerSec * w / 1000`
 * requests start. Choose it to smooth traffic to a fragile downstream.
 */
export class LeakyBucket {
  readonly ratePerSec: number;
  readonly capacity: number;
  readonly #interval: number;
  readonly #time: ForwardTime;
  /** Theoretical time at which the next request may start. */
  #next = -Infinity;

  /** @throws ShnError `INVALID_ARGUMENT` for a rate that is not finite and > 0, or a capacity that is not an integer >= 1. */
  constructor(options: LeakyBucketOptions) {
    this.ratePerSec = checkPositive('ratePerSec', options?.ratePerSec);
    this.capacity = checkInt('capacity', options.capacity, 1, 2 ** 30);
    this.#interval = 1000 / this.ratePerSec;
    this.#time = new ForwardTime(options.clock ?? systemClock);
  }

  /**
   * Reserves the next slot: returns the delay in ms after which the request may start (0 = now),
   * or `undefined` if the bucket is full (the request is refused and reserves nothing).
   */
  tryReserve(): number | undefined {
    const now = this.#time.now();
    const start = Math.max(now, this.#next);
    if (start - now >= this.capacity * this.#interval) return undefined;
    this.#next = start + this.#interval;
    return start - now;
  }

  /** Requests waiting for their slot now (fractional: the one leaving counts partly). */
  get waiting(): number {
    return Math.max(0, this.#next - this.#time.now()) / this.#interval;
  }
}
