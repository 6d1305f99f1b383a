import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { quantileOfSorted } from './stats.js';

/** How long one measurement runs: a fixed operation count, or batches until a duration passed. */
export type MeasureSpan =
  | { readonly count: number }
  | { readonly durationMs: number; readonly batch: number };

/** How many times to measure: `warmups` discarded runs, then `repeats` kept ones. */
export interface RepeatPlan {
  readonly warmups: number;
  readonly repeats: number;
}

function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ShnError('INVALID_ARGUMENT', `${what} must be a positive safe integer, got ${String(n)}`);
  }
}

function checkPlan(plan: RepeatPlan): void {
  checkCount(plan.repeats, 'repeats');
  if (!Number.isSafeInteger(plan.warmups) || plan.warmups < 0) {
    throw new ShnError('INVALID_ARGUMENT', `warmups must be a non-negative safe integer, got ${String(plan.warmups)}`);
  }
}

/**
 * Runs `measure` `plan.warmups` times (results discarded), then `plan.repeats` times, and
 * returns the kept results in order. Throws ShnError INVALID_ARGUMENT on a bad plan
 * (repeats < 1, warmups < 0); rejects with whatever `measure` rejects with.
 */
export async function repeatMeasurement<T>(plan: RepeatPlan, measure: () => Promise<T>): Promise<T[]> {
  checkPlan(plan);
  for (let i = 0; i < plan.warmups; i++) await measure();
  const out: T[] = [];
  for (let i = 0; i < plan.repeats; i++) out.push(await measure());
  return out;
}

/**
 * Like {@link repeatMeasurement} for several subjects measured side by side: each round runs
 * every measure once, the order rotating by one each round (A B C, B C A, C A B, ...), so slow
 * drifts of a shared machine and any first-or-last position effect hit every subject alike.
 * `plan.warmups` rounds are discarded. Returns, per measure (in the order given), its kept
 * results in round order. Throws ShnError INVALID_ARGUMENT on a bad plan or no measures;
 * rejects with whatever a measure rejects with.
 */
export async function repeatAlternating<T>(plan: RepeatPlan, measures: readonly (() => Promise<T>)[]): Promise<T[][]> {
  checkPlan(plan);
  if (measures.length === 0) throw new ShnError('INVALID_ARGUMENT', 'repeatAlternating needs at least one measure');
  const out: T[][] = measures.map(() => []);
  for (let round = 0; round < plan.warmups + plan.repeats; round++) {
    for (let k = 0; k < measures.length; k++) {
      const i = (round + k) % measures.length;
      const value = await (measures[i] as () => Promise<T>)();
      if (round >= plan.warmups) (out[i] as T[]).push(value);
    }
  }
  return out;
}

/**
 * Measures the throughput of `runBatch(n)`, which must perform exactly `n` operations and
 * resolve when they are all done. With `{ count }` it runs one batch of `count`; with
 * `{ durationMs, batch }` it runs batches of `batch` until at least `durationMs` have passed.
 * Returns operations per second. Throws ShnError INVALID_ARGUMENT on a bad span.
 */
export async function measureRate(span: MeasureSpan, runBatch: (n: number) => Promise<void>, clock: Clock = systemClock): Promise<number> {
  if ('count' in span) {
    checkCount(span.count, 'count');
    const t0 = clock.monotonic();
    await runBatch(span.count);
    return span.count / elapsedSeconds(t0, clock);
  }
  checkCount(span.batch, 'batch');
  if (!(span.durationMs > 0) || !Number.isFinite(span.durationMs)) {
    throw new ShnError('INVALID_ARGUMENT', `durationMs must be a positive finite number, got ${String(span.durationMs)}`);
  }
  let done = 0;
  const t0 = clock.monotonic();
  do {
    await runBatch(span.batch);
    done += span.batch;
  } while (clock.monotonic() - t0 < span.durationMs);
  return done / elapsedSeconds(t0, clock);
}

function elapsedSeconds(t0: number, clock: Clock): number {
  // Guard against a zero-length interval on a coarse clock: never divide by zero.
  return Math.max(clock.monotonic() - t0, 1e-6) / 1000;
}

/** Latency percentiles of one measurement, in microseconds. */
export interface LatencyPercentiles {
  readonly p50Us: number;
  readonly p99Us: number;
  /** How many round trips were timed. */
  readonly count: number;
}

/**
 * Times `count` sequential calls of `roundTrip` (one in flight at a time) and returns the
 * p50 and p99 of their durations in microseconds. Throws ShnError INVALID_ARGUMENT unless
 * count is a positive safe integer; rejects with whatever `roundTrip` rejects with.
 */
export async function measureLatencies(count: number, roundTrip: () => Promise<void>, clock: Clock = systemClock): Promise<LatencyPercentiles> {
  checkCount(count, 'count');
  const durations = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = clock.monotonic();
    await roundTrip();
    durations[i] = (clock.monotonic() - t0) * 1000;
  }
  durations.sort();
  return { p50Us: quantileOfSorted(durations, 0.5), p99Us: quantileOfSorted(durations, 0.99), count };
}
