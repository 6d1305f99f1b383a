import { systemRng } from '@shn/core';
import type { Rng, Router, ShardLoad } from '@shn/core';
import { argminLoad, checkCandidates } from './candidates.js';

/**
 * Least loaded: the candidate with the smallest `load` (whatever figure the caller reports:
 * queued work, busy time, an EWMA of latency), ties broken in rotation. With load reports that
 * are stale (gauges published periodically) every dispatcher herds onto the same shard until
 * the next report; prefer {@link powerOfTwoChoices} then. For stateless work, not placement.
 */
export function leastLoaded(): Router {
  let rotation = 0;
  return {
    name: 'least-loaded',
    pick(_key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'least-loaded');
      return argminLoad(candidates, (count) => rotation++ % count);
    },
  };
}

/**
 * Join the shortest queue: the candidate with the fewest queued items (`load` must be the exact
 * queue length at dispatch), ties broken at random. Optimal for equal servers with exact state,
 * which costs a full scan and fresh counts per pick.
 */
export function joinShortestQueue(options: { readonly rng?: Rng } = {}): Router {
  const rng = options.rng ?? systemRng;
  return {
    name: 'join-shortest-queue',
    pick(_key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'join-shortest-queue');
      return argminLoad(candidates, (count) => rng.int(count));
    },
  };
}

/**
 * Power of two choices (Mitzenmacher; Envoy's least-request): two distinct candidates at random,
 * the less loaded wins (ties: the first drawn). Almost all of JSQ's gain at O(1) cost, and robust
 * to stale load reports because random sampling breaks herding.
 */
export function powerOfTwoChoices(options: { readonly rng?: Rng } = {}): Router {
  const rng = options.rng ?? systemRng;
  return {
    name: 'power-of-two-choices',
    pick(_key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'power-of-two-choices');
      const n = candidates.length;
      if (n === 1) return (candidates[0] as ShardLoad).shard;
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      const a = candidates[i] as ShardLoad;
      const b = candidates[j] as ShardLoad;
      return b.load < a.load ? b.shard : a.shard;
    },
  };
}
