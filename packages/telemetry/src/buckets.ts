import { ShnError } from '@shn/core';

/**
 * Default histogram upper bounds, in seconds: a 1-2-5 series from 1 µs to 10 s (22 buckets), so
 * `histogram_quantile` resolves p50 to p999 of anything from a sub-microsecond actor turn to a
 * multi-second ask, within a factor of 2.5.
 */
export const DEFAULT_SECONDS_BUCKETS: readonly number[] = Object.freeze(
  [1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
);

/**
 * Validates histogram upper bounds: finite, strictly increasing, 1 to 64 of them.
 * @throws ShnError `INVALID_ARGUMENT` naming the first bad bound.
 */
export function checkBuckets(buckets: unknown, what: string): readonly number[] {
  if (!Array.isArray(buckets) || buckets.length < 1 || buckets.length > 64) {
    throw new ShnError('INVALID_ARGUMENT', `${what}: buckets must be an array of 1 to 64 numbers, got ${Array.isArray(buckets) ? `${buckets.length} items` : typeof buckets}`);
  }
  let prev = -Infinity;
  for (const [i, b] of (buckets as unknown[]).entries()) {
    if (typeof b !== 'number' || !Number.isFinite(b) || b <= prev) {
      throw new ShnError('INVALID_ARGUMENT', `${what}: bucket ${i} must be a finite number greater than the one before, got ${String(b)}`);
    }
    prev = b;
  }
  return Object.freeze([...(buckets as number[])]);
}
