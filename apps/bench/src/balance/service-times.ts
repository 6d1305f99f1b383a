import type { Rng } from '@shn/core';

/** A service-time distribution: a mixture of fixed sizes, e.g. 90% short and 10% long requests. */
export interface ServiceMix {
  /** `[probability, ms]` pairs; probabilities sum to 1. */
  readonly parts: readonly (readonly [number, number])[];
}

/** The bench's uneven service times: 90% of requests take 0.1 ms, 10% take 1.9 ms (mean 0.28 ms, CV ~2). */
export const BIMODAL: ServiceMix = { parts: [[0.9, 0.1], [0.1, 1.9]] };

/** Mean service time of a mix, ms. */
export function meanMs(mix: ServiceMix): number {
  return mix.parts.reduce((a, [p, ms]) => a + p * ms, 0);
}

/** Draws one service time, ms. */
export function drawMs(mix: ServiceMix, rng: Rng): number {
  let u = rng.next();
  for (const [p, ms] of mix.parts) {
    if (u < p) return ms;
    u -= p;
  }
  return (mix.parts[mix.parts.length - 1] as readonly [number, number])[1];
}

/** An exponential inter-arrival gap for a Poisson process of `ratePerMs`. */
export function expGap(ratePerMs: number, rng: Rng): number {
  return -Math.log(1 - rng.next()) / ratePerMs;
}

/** p50, p99 of latencies (ms) and throughput (per second). */
export interface SimSummary {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly throughputPerSec: number;
}

/** Nearest-rank quantile of an unsorted array (sorts a copy). */
export function summarizeLatencies(latencies: Float64Array, makespanMs: number): SimSummary {
  const sorted = Float64Array.from(latencies).sort();
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
  return { p50Ms: q(0.5), p99Ms: q(0.99), throughputPerSec: (latencies.length / makespanMs) * 1000 };
}
