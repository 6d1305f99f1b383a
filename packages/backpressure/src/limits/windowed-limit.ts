import { systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkFunction, checkInt, checkPositive, invalid } from '../option-checks.js';
import type { LimitAlgorithm } from './limit-algorithm.js';

/** Options of {@link WindowedLimit}; defaults are Netflix's `WindowedLimit`'s. */
export interface WindowedLimitOptions {
  /** Shortest window, ms (default 1000). */
  readonly minWindowMs?: number;
  /** Longest window, ms (default 1000). */
  readonly maxWindowMs?: number;
  /** Samples a window needs before it counts (default 10). */
  readonly windowSize?: number;
  /** Samples faster than this, ms, are ignored (default 0.1: cache hits and no-ops carry no signal). */
  readonly minRttMs?: number;
  readonly clock?: Clock;
}

/**
 * Netflix concurrency-limits' `WindowedLimit`: feeds the wrapped algorithm one aggregate sample
 * per window instead of every request (the average RTT, the largest in-flight count, whether any
 * request dropped). A window closes when at least `windowSize` samples arrived and its time is up;
 * the next one lasts `clamp(2 x min RTT, minWindowMs, maxWindowMs)`. This is how Gradient2 is meant
 * to be deployed on a busy server: per-request RTTs are noisy, and a single slow request would
 * otherwise shrink the limit.
 */
export class WindowedLimit implements LimitAlgorithm {
  readonly #delegate: LimitAlgorithm;
  readonly #minWindow: number;
  readonly #maxWindow: number;
  readonly #windowSize: number;
  readonly #minRtt: number;
  readonly #clock: Clock;
  #nextUpdate: number;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #maxInflight = 0;
  #didDrop = false;

  /** @throws ShnError `INVALID_ARGUMENT` for a missing delegate or windows that are not finite, > 0 and ordered. */
  constructor(delegate: LimitAlgorithm, options: WindowedLimitOptions = {}) {
    checkFunction('delegate.onSample', delegate?.onSample);
    this.#delegate = delegate;
    this.#minWindow = checkPositive('minWindowMs', options.minWindowMs ?? 1000);
    this.#maxWindow = checkPositive('maxWindowMs', options.maxWindowMs ?? 1000);
    if (this.#maxWindow < this.#minWindow) throw invalid('maxWindowMs', `>= minWindowMs (${this.#minWindow})`, this.#maxWindow);
    this.#windowSize = checkInt('windowSize', options.windowSize ?? 10, 1, 2 ** 24);
    const minRtt = options.minRttMs ?? 0.1;
    if (typeof minRtt !== 'number' || !(minRtt >= 0) || !Number.isFinite(minRtt)) throw invalid('minRttMs', 'a finite number >= 0', minRtt);
    this.#minRtt = minRtt;
    this.#clock = options.clock ?? systemClock;
    this.#nextUpdate = this.#clock.monotonic() + this.#minWindow;
  }

  get limit(): number {
    return this.#delegate.limit;
  }

  onSample(rttMs: number, inflight: number, didDrop: boolean): void {
    if (rttMs < this.#minRtt) return;
    this.#count++;
    this.#sum += rttMs;
    this.#min = Math.min(this.#min, rttMs);
    this.#maxInflight = Math.max(this.#maxInflight, inflight);
    this.#didDrop ||= didDrop;
    const now = this.#clock.monotonic();
    if (now < this.#nextUpdate || this.#count < this.#windowSize) return;
    const avg = this.#sum / this.#count;
    const maxInflight = this.#maxInflight;
    const drop = this.#didDrop;
    this.#nextUpdate = now + Math.min(Math.max(this.#min * 2, this.#minWindow), this.#maxWindow);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Infinity;
    this.#maxInflight = 0;
    this.#didDrop = false;
    this.#delegate.onSample(avg, maxInflight, drop);
  }
}
