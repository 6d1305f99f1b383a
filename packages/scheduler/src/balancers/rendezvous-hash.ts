import type { Router, ShardLoad } from '@shn/core';
import { hashPair, murmur3 } from '../hashing.js';
import { checkCandidates } from './candidates.js';

/**
 * Rendezvous (highest random weight) hashing, Thaler & Ravishankar: each shard scores
 * `hash(key, shard)` and the highest wins. Any shard can be added or removed, anywhere, moving
 * only the keys it wins or held (expected 1/n); load is balanced like uniform hashing. O(n) per
 * pick, so best for small shard counts (a thread per core is one).
 */
export function rendezvousHash(options: { readonly seed?: number } = {}): Router {
  const seed = options.seed ?? 0;
  return {
    name: 'rendezvous-hash',
    pick(key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'rendezvous-hash');
      const h = murmur3(key, seed);
      let best = -1;
      let bestShard = (candidates[0] as ShardLoad).shard;
      for (const c of candidates) {
        const score = hashPair(h, c.shard, seed);
        if (score > best || (score === best && c.shard < bestShard)) {
          best = score;
          bestShard = c.shard;
        }
      }
      return bestShard;
    },
  };
}
