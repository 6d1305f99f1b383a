import type { Router, ShardLoad } from '@shn/core';
import { invalid } from '../option-checks.js';
import { checkCandidates } from './candidates.js';

/**
 * Round robin: each pick takes the next candidate in turn, ignoring the key and the load. Even
 * spread of requests, blind to uneven service times. Not a placement router for stateful
 * actors (the same key lands anywhere): use it for stateless work.
 */
export function roundRobin(): Router {
  let next = 0;
  return {
    name: 'round-robin',
    pick(_key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'round-robin');
      const c = candidates[next++ % candidates.length] as ShardLoad;
      if (next >= 2 ** 30) next = 0;
      return c.shard;
    },
  };
}

/**
 * Smooth weighted round robin (nginx): over any run of picks, shard s gets its weight's share,
 * interleaved rather than in bursts (weights 5,1,1 give a a b a c a a, not a a a a a b c).
 * `weights[shard]` (finite, > 0); shards without a weight count as 1.
 * @throws ShnError `INVALID_ARGUMENT` for a weight that is not finite and > 0.
 */
export function weightedRoundRobin(weights: Readonly<Record<number, number>> | readonly number[]): Router {
  if (typeof weights !== 'object' || weights === null) throw invalid('weights', 'an array or record of shard -> weight', weights);
  const w = new Map<number, number>();
  for (const [k, v] of Object.entries(weights)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(`weights[${k}]`, 'a finite number > 0', v);
    w.set(Number(k), v);
  }
  const current = new Map<number, number>();
  return {
    name: 'weighted-round-robin',
    pick(_key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'weighted-round-robin');
      let total = 0;
      let best: number | undefined;
      let bestValue = -Infinity;
      for (const c of candidates) {
        const weight = w.get(c.shard) ?? 1;
        total += weight;
        const value = (current.get(c.shard) ?? 0) + weight;
        current.set(c.shard, value);
        if (value > bestValue) {
          bestValue = value;
          best = c.shard;
        }
      }
      const chosen = best as number;
      current.set(chosen, bestValue - total);
      return chosen;
    },
  };
}
