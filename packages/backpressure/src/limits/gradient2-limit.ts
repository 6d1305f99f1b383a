import { checkInt, checkPositive, invalid } from '../option-checks.js';
import { checkLimits } from './aimd-limit.js';
import { ExpAvg } from './exp-avg.js';
import type { LimitAlgorithm } from './limit-algorithm.js';

/** Options of {@link Gradient2Limit}; defaults are Netflix's `Gradient2Limit`'s. */
export interface Gradient2LimitOptions {
  /** Starting limit (default 20). */
  readonly initialLimit?: number;
  /** Floor (default 20). */
  readonly minLimit?: number;
  /** Ceiling (default 200, Netflix's `maxConcurrency`). */
  readonly maxLimit?: number;
  /** Weight of each new limit, in (0, 1] (default 0.2). */
  readonly smoothing?: number;
  /** Headroom added on top of the gradient, requests (default 4); or a function of the current limit. */
  readonly queueSize?: number | ((limit: number) => number);
  /** Short RTTs up to `rttTolerance` x the long-term RTT do not shrink the limit (default 1.5, >= 1). */
  readonly rttTolerance?: number;
  /** Samples in the long-term RTT average (default 600). */
  readonly longWindow?: number;
  /**
   * While app-limited (fewer than half the limit in flight), let the limit decay, by `smoothing`
   * per sample, toward this many times what is in flight (at least `minLimit`). Default: off, as
   * in Netflix's implementation, where the limit holds while app-limited. Without it a limit that
   * grew or started high stays high through a quiet period, and the first second of a surge is
   * admitted unchecked; with it (2 is a good value) a surge meets a limit near what the quiet load
   * needed, and grows from there if latency stays flat.
   */
  readonly appLimitedHeadroom?: number;
}

/**
 * Gradient2 with Netflix concurrency-limits' semantics: it compares each sample's RTT (the short
 * RTT) to an exponential average over `longWindow` samples (the long RTT). The gradient
 * `clamp(rttTolerance * long / short, 0.5, 1)` scales the limit down when latency rises; the queue
 * size adds headroom to probe upward; the new limit is smoothed and clamped; if the long RTT is
 * more than twice the short one it decays by 5% per sample (recovery after a long overload); the
 * limit does not grow while fewer than half of it are in flight (app-limited), and with
 * `appLimitedHeadroom` it decays toward that many times the in-flight count meanwhile. Drops are ignored,
 * as in Netflix's implementation. Choose it when overload shows up as rising latency (queues)
 * before errors: it finds the knee without needing failures.
 */
export class Gradient2Limit implements LimitAlgorithm {
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly smoothing: number;
  readonly rttTolerance: number;
  /** See {@link Gradient2LimitOptions.appLimitedHeadroom}; 0 when off. */
  readonly appLimitedHeadroom: number;
  readonly #queueSize: (limit: number) => number;
  readonly #longRtt: ExpAvg;
  #estimated: number;
  #lastRtt = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for out-of-range options. */
  constructor(options: Gradient2LimitOptions = {}) {
    const { min, initial, max } = checkLimits(options.minLimit ?? 20, options.initialLimit ?? 20, options.maxLimit ?? 200);
    this.minLimit = min;
    this.maxLimit = max;
    this.#estimated = initial;
    const smoothing = options.smoothing ?? 0.2;
    if (typeof smoothing !== 'number' || !(smoothing > 0 && smoothing <= 1)) throw invalid('smoothing', 'a number in (0, 1]', smoothing);
    this.smoothing = smoothing;
    this.rttTolerance = checkPositive('rttTolerance', options.rttTolerance ?? 1.5);
    if (this.rttTolerance < 1) throw invalid('rttTolerance', 'a finite number >= 1', this.rttTolerance);
    const q = options.queueSize ?? 4;
    if (typeof q === 'function') this.#queueSize = q;
    else {
      if (typeof q !== 'number' || !Number.isFinite(q) || q < 0) throw invalid('queueSize', 'a finite number >= 0 or a function', q);
      this.#queueSize = () => q;
    }
    const headroom = options.appLimitedHeadroom ?? 0;
    if (typeof headroom !== 'number' || !Number.isFinite(headroom) || (headroom !== 0 && headroom < 1)) throw invalid('appLimitedHeadroom', 'a finite number >= 1 (or 0: off)', headroom);
    this.appLimitedHeadroom = headroom;
    this.#longRtt = new ExpAvg(checkInt('longWindow', options.longWindow ?? 600, 1, 2 ** 24), 10);
  }

  get limit(): number {
    return Math.floor(this.#estimated);
  }

  /** The long-term RTT average, ms. */
  get longRttMs(): number {
    return this.#longRtt.value;
  }

  /** The last sample's RTT, ms. */
  get lastRttMs(): number {
    return this.#lastRtt;
  }

  onSample(rttMs: number, inflight: number): void {
    if (!(rttMs > 0) || !Number.isFinite(rttMs)) rttMs = Number.MIN_VALUE; // a zero or bad RTT carries no signal of queueing
    const queueSize = this.#queueSize(Math.floor(this.#estimated));
    this.#lastRtt = rttMs;
    const shortRtt = rttMs;
    const longRtt = this.#longRtt.add(rttMs);
    if (longRtt / shortRtt > 2) this.#longRtt.set(longRtt * 0.95);
    if (inflight < this.#estimated / 2) {
      if (this.appLimitedHeadroom > 0) {
        const target = Math.max(this.minLimit, this.appLimitedHeadroom * inflight);
        if (target < this.#estimated) this.#estimated = Math.max(this.minLimit, this.#estimated * (1 - this.smoothing) + target * this.smoothing);
      }
      return;
    }
    const gradient = Math.max(0.5, Math.min(1, (this.rttTolerance * longRtt) / shortRtt));
    let next = this.#estimated * gradient + queueSize;
    next = this.#estimated * (1 - this.smoothing) + next * this.smoothing;
    this.#estimated = Math.max(this.minLimit, Math.min(this.maxLimit, next));
  }
}
