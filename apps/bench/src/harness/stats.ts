import { ShnError } from '@shn/core';

/** Summary of repeated measurements of one figure. */
export interface SampleSummary {
  /** The median of the samples (same unit as the samples). */
  readonly median: number;
  /** The smallest sample. */
  readonly min: number;
  /** The largest sample. */
  readonly max: number;
  /** (max - min) / median, in percent; 0 for a single sample. */
  readonly spreadPct: number;
}

function checkSamples(samples: readonly number[], what: string): void {
  if (samples.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', `${what}: no samples`);
  }
  for (const s of samples) {
    if (!Number.isFinite(s)) {
      throw new ShnError('INVALID_ARGUMENT', `${what}: sample ${String(s)} is not a finite number`);
    }
  }
}

/**
 * The `q`-quantile of `samples` (nearest-rank on the sorted samples, q in [0, 1]):
 * `quantile(xs, 0.5)` is the median (the lower middle for an even count), `0.99` the p99.
 * Does not modify `samples`. Throws ShnError INVALID_ARGUMENT on an empty array, a
 * non-finite sample or q outside [0, 1].
 */
export function quantile(samples: readonly number[], q: number): number {
  checkSamples(samples, 'quantile');
  if (!(q >= 0 && q <= 1)) {
    throw new ShnError('INVALID_ARGUMENT', `quantile: q must be in [0, 1], got ${String(q)}`);
  }
  const sorted = Float64Array.from(samples).sort();
  return quantileOfSorted(sorted, q);
}

/**
 * Like {@link quantile} but on samples already sorted ascending (not checked); lets callers
 * take p50 and p99 from one sort. Throws ShnError INVALID_ARGUMENT when `sorted` is empty.
 */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new ShnError('INVALID_ARGUMENT', 'quantile: no samples');
  const rank = Math.ceil(q * sorted.length) - 1;
  const index = Math.min(sorted.length - 1, Math.max(0, rank));
  return sorted[index] as number;
}

/**
 * Median, min, max and relative spread of repeated measurements.
 * Throws ShnError INVALID_ARGUMENT on an empty array or a non-finite sample.
 */
export function summarize(samples: readonly number[]): SampleSummary {
  checkSamples(samples, 'summarize');
  const sorted = Float64Array.from(samples).sort();
  const median = quantileOfSorted(sorted, 0.5);
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const spreadPct = median === 0 ? 0 : ((max - min) / Math.abs(median)) * 100;
  return { median, min, max, spreadPct };
}
