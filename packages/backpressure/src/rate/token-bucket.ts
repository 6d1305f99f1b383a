import { systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkInt, checkPositive, invalid } from '../option-checks.js';
import { ForwardTime } from './forward-time.js';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (finite, > 0). */
  readonly ratePerSec: number;
  /** Bucket size, the largest burst, in tokens (finite, >= 1). */
  readonly burst: number;
  /** Tokens at start (default `burst`, a full bucket), in [0, burst]. */
  readonly initial?: number;
  /** Monotonic time source (default `systemClock`). */
  readonly clock?: Clock;
}

/**
 * Token bucket: `ratePerSec` tokens per second accumulate up to `burst`; a request takes its
 * tokens or is refused. Over any interval of w ms it admits at most `burst + ratePerSec * w / 1000`
 * tokens' worth. Allows bursts up to `burst`, then the long-run rate. O(1), no timers.
 */
export class TokenBucket {
  readonly ratePerSec: number;
  readonly burst: number;
  readonly #time: ForwardTime;
  #tokens: number;
  #last: number;

  /** @throws ShnError `INVALID_ARGUMENT` for a rate or burst that is not finite and positive (burst >= 1), or a bad `initial`. */
  constructor(options: TokenBucketOptions) {
    this.ratePerSec = checkPositive('ratePerSec', options?.ratePerSec);
    this.burst = checkPositive('burst', options.burst);
    if (this.burst < 1) throw invalid('burst', 'a finite number >= 1', options.burst);
    const initial = options.initial ?? this.burst;
    if (typeof initial !== 'number' || !(initial >= 0 && initial <= this.burst)) throw invalid('initial', `a number in [0, ${this.burst}]`, initial);
    this.#tokens = initial;
    this.#time = new ForwardTime(options.clock ?? systemClock);
    this.#last = this.#time.now();
  }

  /**
   * Takes `n` tokens (default 1) if the bucket holds them. Returns whether it did.
   * @throws ShnError `INVALID_ARGUMENT` unless n is a positive safe integer.
   */
  tryAcquire(n = 1): boolean {
    checkInt('n', n, 1, Number.MAX_SAFE_INTEGER);
    this.#refill();
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Tokens in the bucket now (fractional). */
  get available(): number {
    this.#refill();
    return this.#tokens;
  }

  /** Milliseconds until `n` tokens are there (0 if now; `Infinity` if n > burst). */
  msUntil(n = 1): number {
    checkInt('n', n, 1, Number.MAX_SAFE_INTEGER);
    if (n > this.burst) return Infinity;
    this.#refill();
    return this.#tokens >= n ? 0 : ((n - this.#tokens) * 1000) / this.ratePerSec;
  }

  #refill(): void {
    const now = this.#time.now();
    if (now > this.#last) {
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) * this.ratePerSec) / 1000);
      this.#last = now;
    }
  }
}
