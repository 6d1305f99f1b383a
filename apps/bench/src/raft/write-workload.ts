import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { quantileOfSorted } from '../harness/stats.js';

/** Options of {@link runWriteWorkload}. */
export interface WriteWorkload {
  /** Concurrent clients; client `c` only ever calls `put(c, …)`, one write at a time. */
  readonly clients: number;
  /** Writes in total, shared out as the clients free up. */
  readonly writes: number;
  /** Keys are `key-0` … `key-(keys-1)`, written round robin. */
  readonly keys: number;
  /** Bytes of each value (ASCII). */
  readonly valueBytes: number;
  /** Writes one key; resolves once the write is acknowledged (committed), rejects on failure. */
  readonly put: (client: number, key: string, value: string) => Promise<void>;
  readonly clock?: Clock;
}

/** What one run of {@link runWriteWorkload} measured. */
export interface WriteWorkloadResult {
  /** Acknowledged writes per second over the whole run. */
  readonly writesPerSecond: number;
  /** Median write latency, ms (from the call to its acknowledgement). */
  readonly p50Ms: number;
  /** 99th-percentile write latency, ms. */
  readonly p99Ms: number;
  /** Wall time of the run, ms. */
  readonly elapsedMs: number;
}

/**
 * Runs `writes` writes through `clients` closed-loop clients (each sends its next write when the
 * previous one is acknowledged) and measures throughput and per-write latency.
 * Throws ShnError INVALID_ARGUMENT on a non-positive count; rejects with the first failed write.
 */
export async function runWriteWorkload(w: WriteWorkload): Promise<WriteWorkloadResult> {
  for (const [name, v] of [['clients', w.clients], ['writes', w.writes], ['keys', w.keys], ['valueBytes', w.valueBytes]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new ShnError('INVALID_ARGUMENT', `write workload: ${name} must be a positive integer, got ${String(v)}`);
  }
  const clock = w.clock ?? systemClock;
  const latencies = new Float64Array(w.writes);
  const filler = 'x'.repeat(w.valueBytes);
  let next = 0;
  const start = clock.monotonic();
  await Promise.all(
    Array.from({ length: Math.min(w.clients, w.writes) }, async (_, c) => {
      while (next < w.writes) {
        const i = next++;
        const value = `${i}:${filler}`.slice(0, w.valueBytes);
        const t0 = clock.monotonic();
        await w.put(c, `key-${i % w.keys}`, value);
        latencies[i] = clock.monotonic() - t0;
      }
    }),
  );
  const elapsedMs = clock.monotonic() - start;
  latencies.sort();
  return {
    writesPerSecond: w.writes / (elapsedMs / 1000),
    p50Ms: quantileOfSorted(latencies, 0.5),
    p99Ms: quantileOfSorted(latencies, 0.99),
    elapsedMs,
  };
}
