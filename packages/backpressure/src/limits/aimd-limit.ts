import { checkPositive, invalid } from '../option-checks.js';
import type { LimitAlgorithm } from './limit-algorithm.js';

/** Options of {@link AimdLimit}; defaults are Netflix's `AIMDLimit`'s. */
export interface AimdLimitOptions {
  /** Starting limit (default 20). */
  readonly initialLimit?: number;
  /** Floor (default 20). */
  readonly minLimit?: number;
  /** Ceiling (default 200). */
  readonly maxLimit?: number;
  /** Multiplier on a drop, in [0.5, 1) (default 0.9). */
  readonly backoffRatio?: number;
  /** A sample slower than this, ms, counts as a drop (default 5000). */
  readonly timeoutMs?: number;
}

/**
 * Additive increase, multiplicative decrease, with Netflix concurrency-limits' semantics: a drop
 * (or an RTT above `timeoutMs`) multiplies the limit by `backoffRatio` (truncated to an
 * integer); a success while at least half the limit was in flight adds 1; the result is clamped
 * to [minLimit, maxLimit]. Reacts only to loss, so it needs drops to find the limit: choose it
 * when overload shows up as errors or timeouts rather than as rising latency.
 */
export class AimdLimit implements LimitAlgorithm {
  readonly minLimit: number;
  readonly maxLimit: number;
  readonly backoffRatio: number;
  readonly timeoutMs: number;
  #limit: number;

  /** @throws ShnError `INVALID_ARGUMENT` for limits that are not integers with 1 <= min <= initial <= max, or a ratio outside [0.5, 1). */
  constructor(options: AimdLimitOptions = {}) {
    const { min, initial, max } = checkLimits(options.minLimit ?? 20, options.initialLimit ?? 20, options.maxLimit ?? 200);
    this.minLimit = min;
    this.maxLimit = max;
    this.#limit = initial;
    const ratio = options.backoffRatio ?? 0.9;
    if (typeof ratio !== 'number' || !(ratio >= 0.5 && ratio < 1)) throw invalid('backoffRatio', 'a number in [0.5, 1)', ratio);
    this.backoffRatio = ratio;
    this.timeoutMs = checkPositive('timeoutMs', options.timeoutMs ?? 5000, true);
  }

  get limit(): number {
    return this.#limit;
  }

  onSample(rttMs: number, inflight: number, didDrop: boolean): void {
    let next = this.#limit;
    if (didDrop || rttMs > this.timeoutMs) next = Math.floor(next * this.backoffRatio);
    else if (inflight * 2 >= next) next = next + 1;
    this.#limit = Math.min(this.maxLimit, Math.max(this.minLimit, next));
  }
}

/**
 * Checks 1 <= min <= initial <= max, all integers.
 * @throws ShnError `INVALID_ARGUMENT` otherwise.
 * @internal
 */
export function checkLimits(min: unknown, initial: unknown, max: unknown): { min: number; initial: number; max: number } {
  for (const [name, v] of [['minLimit', min], ['initialLimit', initial], ['maxLimit', max]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 30) throw invalid(name, 'an integer in [1, 2^30]', v);
  }
  if (!((min as number) <= (initial as number) && (initial as number) <= (max as number))) {
    throw invalid('limits', `minLimit <= initialLimit <= maxLimit (${String(min)}, ${String(initial)}, ${String(max)})`, 'out of order');
  }
  return { min: min as number, initial: initial as number, max: max as number };
}
