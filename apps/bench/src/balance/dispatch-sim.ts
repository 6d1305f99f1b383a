import { seededRng } from '@shn/core';
import type { Router, ShardLoad } from '@shn/core';
import { drawMs, expGap, meanMs, summarizeLatencies } from './service-times.js';
import type { ServiceMix, SimSummary } from './service-times.js';

/** What a balancer is shown as `load` for each shard. */
export type LoadView =
  /** Exact requests in system (queued + in service) at the moment of the pick: what JSQ and P2C need. */
  | 'queue-length'
  /** Remaining work in ms, as a gauge each shard publishes every `reportMs` (stale in between). */
  | 'reported-work'
  /** Nothing: every load is 0 (round robin ignores it). */
  | 'none';

/** One dispatch scenario. */
export interface DispatchScenario {
  readonly shards: number;
  /** Relative speed per shard (1 = nominal, 0.5 = half speed); length = shards. */
  readonly speeds: readonly number[];
  /** Offered load as a fraction of the total capacity (sum of speeds / mean service time). */
  readonly load: number;
  readonly requests: number;
  readonly mix: ServiceMix;
  /** Gauge period for `reported-work`, ms. */
  readonly reportMs: number;
  readonly seed: number;
}

/**
 * A discrete-event simulation (virtual time, no I/O) of one dispatcher spreading a Poisson stream
 * of requests over FIFO single-server shards, each request placed by `router.pick` at its
 * arrival. It is exact for this model (M/G/1 queues per shard): a request's completion is
 * `max(arrival, shard free at) + service / speed`. The same arrivals and service times (same
 * seed) are replayed for every balancer, so differences are the balancer's alone.
 */
export function simulateDispatch(router: Router, view: LoadView, s: DispatchScenario): SimSummary & { readonly maxQueue: number } {
  const arrivals = seededRng(s.seed);
  const sizes = seededRng(s.seed ^ 0x5eed);
  const capacityPerMs = s.speeds.reduce((a, b) => a + b, 0) / meanMs(s.mix);
  const rate = s.load * capacityPerMs;
  const freeAt = new Float64Array(s.shards);
  const inSystem: number[][] = Array.from({ length: s.shards }, () => []); // completion times, ascending per shard
  const heads = new Int32Array(s.shards);
  const candidates: ShardLoad[] = Array.from({ length: s.shards }, (_, shard) => ({ shard, load: 0 }));
  const reported = new Float64Array(s.shards);
  let nextReport = 0;
  const latencies = new Float64Array(s.requests);
  let t = 0;
  let last = 0;
  let maxQueue = 0;
  for (let i = 0; i < s.requests; i++) {
    t += expGap(rate, arrivals);
    const service = drawMs(s.mix, sizes);
    for (let k = 0; k < s.shards; k++) {
      const q = inSystem[k] as number[];
      let h = heads[k] as number;
      while (h < q.length && (q[h] as number) <= t) h++;
      if (h > 4096 && h * 2 > q.length) {
        q.splice(0, h);
        h = 0;
      }
      heads[k] = h;
    }
    if (view === 'reported-work') {
      while (nextReport <= t) {
        for (let k = 0; k < s.shards; k++) reported[k] = Math.max(0, (freeAt[k] as number) - nextReport);
        nextReport += s.reportMs;
      }
    }
    for (let k = 0; k < s.shards; k++) {
      const load = view === 'queue-length' ? (inSystem[k] as number[]).length - (heads[k] as number) : view === 'reported-work' ? (reported[k] as number) : 0;
      candidates[k] = { shard: k, load };
    }
    const shard = router.pick(`req/${i}`, candidates);
    const start = Math.max(t, freeAt[shard] as number);
    const done = start + service / (s.speeds[shard] as number);
    freeAt[shard] = done;
    (inSystem[shard] as number[]).push(done);
    maxQueue = Math.max(maxQueue, (inSystem[shard] as number[]).length - (heads[shard] as number));
    latencies[i] = done - t;
    last = Math.max(last, done);
  }
  return { ...summarizeLatencies(latencies, last), maxQueue };
}
