import type { Clock } from '@shn/core';

/**
 * Readings of `clock.monotonic()` that never go backwards: a reading below the previous one is
 * taken as the previous one. A limiter fed a clock that jumps back therefore grants nothing for
 * time it already accounted.
 * @internal
 */
export class ForwardTime {
  #last = -Infinity;

  /** Takes the first reading now: time before construction never counts. */
  constructor(private readonly clock: Clock) {
    this.now();
  }

  /** The current reading, ms: max(previous reading, clock.monotonic()). */
  now(): number {
    const t = this.clock.monotonic();
    if (t > this.#last) this.#last = t;
    return this.#last;
  }
}
