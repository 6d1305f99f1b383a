/**
 * Per-thread counters in shared memory, written by the owning thread and read by the
 * main thread for gauges. Float64 fields: processed, busyMs, queued, inflight.
 */
export const STATS_FIELDS = 4;
export const STAT_PROCESSED = 0;
export const STAT_BUSY_MS = 1;
export const STAT_QUEUED = 2;
export const STAT_INFLIGHT = 3;

/** A shared Float64Array holding {@link STATS_FIELDS} counters per thread. */
export function createStats(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer(threads * STATS_FIELDS * 8);
}
